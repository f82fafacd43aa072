-- Records one onboarding sample.
-- $1 VARCHAR team id  $2 VARCHAR date (YYYY-MM-DD)  $3 VARCHAR hours (decimal text)  $4 VARCHAR the file  $5 its line
-- $6 VARCHAR when (ISO 8601)
-- Returns: nothing
INSERT INTO survey_onboarding VALUES ($1, $2::DATE, $3::DECIMAL(18,2), $4, $5, $6::TIMESTAMP);
