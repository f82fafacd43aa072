-- How a run booked each team: mode, cost center and GL account of its rows
-- (the same on every row of a team; a team without rows is absent).
-- $1 INTEGER run id   $2 JSON list of team ids
-- Returns: team_id, mode, cost_center, gl_account
SELECT team_id, any_value(mode) AS mode, any_value(cost_center) AS cost_center, any_value(gl_account) AS gl_account
FROM chargeback_rows WHERE run_id = $1 AND list_contains(from_json($2::JSON, '["VARCHAR"]'), team_id)
GROUP BY team_id;
