-- Each team's cost in a run per currency, as the chargeback CSV has it: the
-- sum of its rounded rows (so it ties to that file), with its booking.
-- $1 INTEGER run id
-- Returns: team_id, team_name, cost_center, gl_account, currency, decimals, actual (text), rows
SELECT team_id, any_value(team_name) AS team_name, any_value(cost_center) AS cost_center, any_value(gl_account) AS gl_account,
       currency, max(decimals)::INTEGER AS decimals, sum(amount)::VARCHAR AS actual, count(*)::INTEGER AS rows
FROM chargeback_rows
WHERE run_id = $1 AND team_id <> 'unallocated'
GROUP BY team_id, currency
ORDER BY team_id, abs(sum(amount)) DESC, currency;
