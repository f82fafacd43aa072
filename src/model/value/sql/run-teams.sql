-- The teams a run charged.
-- $1 INTEGER run id
-- Returns: team_id, team_name
SELECT team_id, any_value(team_name) AS team_name FROM chargeback_rows
WHERE run_id = $1 AND team_id <> 'unallocated' GROUP BY team_id ORDER BY team_id;
