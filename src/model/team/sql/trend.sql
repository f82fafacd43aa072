-- Each team's total in its report's currency in each of the given months,
-- from the run that speaks for each.
-- $1 JSON list of periods   $2 JSON list of {team_id, currency}
-- Returns: team_id, period, run_id (NULL: no run), amount (exact; NULL with n 0: no rows), n; per team oldest first
WITH p AS (SELECT unnest(from_json($1::JSON, '["VARCHAR"]')) AS period),
r AS (SELECT p.period, period_run_id(p.period) AS run_id FROM p),
t AS (SELECT x.team_id, x.currency FROM (SELECT unnest(from_json($2::JSON, '[{"team_id":"VARCHAR","currency":"VARCHAR"}]')) AS x))
SELECT t.team_id, r.period, r.run_id, sum(x.amount)::VARCHAR AS amount, count(x.amount)::VARCHAR AS n
FROM r CROSS JOIN t LEFT JOIN chargeback_rows x ON x.run_id = r.run_id AND x.team_id = t.team_id AND x.currency = t.currency
GROUP BY ALL ORDER BY t.team_id, r.period;
