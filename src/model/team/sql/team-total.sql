-- Each team's total in its report's currency in a run (a team without rows there is absent).
-- $1 INTEGER run id   $2 JSON list of {team_id, currency}
-- Returns: team_id, total (exact decimal text)
WITH t AS (SELECT x.team_id, x.currency FROM (SELECT unnest(from_json($2::JSON, '[{"team_id":"VARCHAR","currency":"VARCHAR"}]')) AS x))
SELECT r.team_id, sum(r.amount)::VARCHAR AS total
FROM chargeback_rows r JOIN t ON t.team_id = r.team_id AND t.currency = r.currency
WHERE r.run_id = $1
GROUP BY r.team_id;
