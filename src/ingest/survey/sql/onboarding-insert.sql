-- Records a file's onboarding samples.
-- $1 VARCHAR the samples: a JSON array of {team_id, date (YYYY-MM-DD), value (hours, decimal text), line}
-- $2 VARCHAR the file  $3 VARCHAR when (ISO 8601)
-- Returns: nothing
INSERT INTO survey_onboarding
SELECT a.team_id, a.date::DATE, a.value::DECIMAL(18,2), $2, a.line, $3::TIMESTAMP
FROM (SELECT unnest(from_json($1, '[{"team_id": "VARCHAR", "date": "VARCHAR", "value": "VARCHAR", "line": "BIGINT"}]')) AS a);
