-- Each team's total per currency in a run, and (team_id NULL) the run's own totals
-- per currency, for a team without cost. Largest absolute total first.
-- $1 INTEGER run id   $2 JSON list of team ids
-- Returns: team_id (NULL: the whole run), currency, decimals, total (exact decimal text)
SELECT team_id, currency, max(decimals)::INTEGER AS decimals, sum(amount)::VARCHAR AS total
FROM chargeback_rows WHERE run_id = $1
GROUP BY GROUPING SETS ((team_id, currency), (currency))
HAVING grouping(team_id) = 1 OR list_contains(from_json($2::JSON, '["VARCHAR"]'), team_id)
ORDER BY team_id NULLS FIRST, abs(sum(amount)) DESC, currency;
