-- The teams with rows in a run.
-- $1 INTEGER run id
-- Returns: team_id
SELECT DISTINCT team_id FROM chargeback_rows WHERE run_id = $1 ORDER BY 1;
