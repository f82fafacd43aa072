-- Each team's amount per charge type in its report's currency, in this run and last month's.
-- $1 INTEGER run id   $2 INTEGER last month's run id (-1: none)   $3 JSON list of {team_id, currency}
-- Returns: team_id, charge_type, run_id, amount (exact decimal text)
WITH t AS (SELECT x.team_id, x.currency FROM (SELECT unnest(from_json($3::JSON, '[{"team_id":"VARCHAR","currency":"VARCHAR"}]')) AS x))
SELECT r.team_id, r.charge_type, r.run_id, sum(r.amount)::VARCHAR AS amount
FROM chargeback_rows r JOIN t ON t.team_id = r.team_id AND t.currency = r.currency
WHERE r.run_id IN ($1, $2)
GROUP BY ALL;
