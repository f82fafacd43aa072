-- A team's total in each of the given months, from the run that speaks for each.
-- $1 JSON list of periods   $2 VARCHAR team id   $3 VARCHAR currency
-- Returns: period, run_id (NULL: no run), amount (exact; NULL with n 0: no rows), n
WITH p AS (SELECT unnest(from_json($1::JSON, '["VARCHAR"]')) AS period),
r AS (SELECT p.period, period_run_id(p.period) AS run_id FROM p)
SELECT r.period, r.run_id, sum(x.amount)::VARCHAR AS amount, count(x.amount)::VARCHAR AS n
FROM r LEFT JOIN chargeback_rows x ON x.run_id = r.run_id AND x.team_id = $2 AND x.currency = $3
GROUP BY ALL ORDER BY r.period;
