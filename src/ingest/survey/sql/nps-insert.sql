-- Records a file's NPS answers.
-- $1 VARCHAR the answers: a JSON array of {team_id, date (YYYY-MM-DD), value (score 0..10), line}
-- $2 VARCHAR the file  $3 VARCHAR when (ISO 8601)
-- Returns: nothing
INSERT INTO survey_nps
SELECT a.team_id, a.date::DATE, a.value::INTEGER, $2, a.line, $3::TIMESTAMP
FROM (SELECT unnest(from_json($1, '[{"team_id": "VARCHAR", "date": "VARCHAR", "value": "VARCHAR", "line": "BIGINT"}]')) AS a);
