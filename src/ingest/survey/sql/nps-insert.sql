-- Records one NPS answer.
-- $1 VARCHAR team id  $2 VARCHAR date (YYYY-MM-DD)  $3 VARCHAR score (0..10)  $4 VARCHAR the file  $5 its line
-- $6 VARCHAR when (ISO 8601)
-- Returns: nothing
INSERT INTO survey_nps VALUES ($1, $2::DATE, $3::INTEGER, $4, $5, $6::TIMESTAMP);
