-- How a run booked a team: mode, cost center and GL account of its rows.
-- $1 INTEGER run id   $2 VARCHAR team id
-- Returns: mode, cost_center, gl_account (no row: the team had no cost)
SELECT mode, cost_center, gl_account FROM chargeback_rows WHERE run_id = $1 AND team_id = $2 LIMIT 1;
