-- Each team's cost per day and charge type, in its report's currency (see
-- ../types.ts, "Daily cost"): direct cost by its own line items' charge days;
-- kubernetes, idle and shared cost spread by the daily cost of their
-- cluster's or pool's line items; a component whose source has no dated cost
-- spread evenly over the month.
-- Reads: owner_daily (owner-sums.sql; empty when no run of the period keeps its owners).
-- $1 INTEGER run id   $2 JSON list of {team_id, currency}
-- $3 DATE first day   $4 DATE first day of the next month
-- Returns: team_id, day (YYYY-MM-DD), charge_type, amount (exact decimal text, before rounding per day)
WITH t AS (SELECT x.team_id, x.currency FROM (SELECT unnest(from_json($2::JSON, '[{"team_id":"VARCHAR","currency":"VARCHAR"}]')) AS x)),
comp AS (
  SELECT r.team_id, r.currency, r.charge_type,
         CASE WHEN r.charge_type = 'direct' THEN 'team:' || r.team_id
              WHEN r.charge_type IN ('kubernetes', 'idle') THEN 'cluster:' || regexp_extract(r.service, '^Kubernetes \((.*)\)$', 1)
              ELSE 'pool:' || coalesce((SELECT any_value(a.pool) FROM allocation_lineage a
                                        WHERE a.run_id = r.run_id AND a.team_id = r.team_id AND a.basis = 'shared'
                                          AND a.service = r.service AND a.currency = r.currency), '')
         END AS src,
         sum(r.amount) AS amount
  FROM chargeback_rows r JOIN t ON t.team_id = r.team_id AND t.currency = r.currency
  WHERE r.run_id = $1 AND r.charge_type IN ('direct', 'kubernetes', 'idle', 'shared')
  GROUP BY ALL
),
daily_src AS (
  SELECT src, currency, day, cost FROM owner_daily
  WHERE (src, currency) IN (SELECT src, currency FROM comp)
),
src_tot AS (SELECT src, currency, sum(cost) AS tot FROM daily_src GROUP BY ALL),
days AS (SELECT d::DATE AS day FROM generate_series($3::DATE, $4::DATE - INTERVAL 1 DAY, INTERVAL 1 DAY) t(d)),
n AS (SELECT count(*) AS n FROM days)
SELECT c.team_id, strftime(d.day, '%Y-%m-%d') AS day, c.charge_type,
       sum(CASE WHEN coalesce(st.tot, 0) = 0 THEN c.amount::DOUBLE / n.n
                ELSE c.amount::DOUBLE * coalesce(ds.cost, 0)::DOUBLE / st.tot::DOUBLE END)::DECIMAL(38,12)::VARCHAR AS amount
FROM comp c CROSS JOIN days d CROSS JOIN n
LEFT JOIN src_tot st ON st.src = c.src AND st.currency = c.currency
LEFT JOIN daily_src ds ON ds.src = c.src AND ds.currency = c.currency AND ds.day = d.day
GROUP BY ALL ORDER BY c.team_id, day, c.charge_type;
