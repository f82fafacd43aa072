-- The team's cost per day and charge type (see ../types.ts, "Daily cost"):
-- direct cost by its own line items' charge days; kubernetes, idle and shared
-- cost spread by the daily cost of their cluster's or pool's line items; a
-- component whose source has no dated cost spread evenly over the month.
-- Reads: owner_daily (owner-sums.sql; empty when no run of the period keeps its owners).
-- $1 INTEGER run id   $2 VARCHAR team id   $3 VARCHAR currency
-- $4 DATE first day   $5 DATE first day of the next month
-- Returns: day (YYYY-MM-DD), charge_type, amount (exact decimal text, before rounding per day)
WITH comp AS (
  SELECT r.charge_type,
         CASE WHEN r.charge_type = 'direct' THEN 'team:' || r.team_id
              WHEN r.charge_type IN ('kubernetes', 'idle') THEN 'cluster:' || regexp_extract(r.service, '^Kubernetes \((.*)\)$', 1)
              ELSE 'pool:' || coalesce((SELECT any_value(a.pool) FROM allocation_lineage a
                                        WHERE a.run_id = r.run_id AND a.team_id = r.team_id AND a.basis = 'shared'
                                          AND a.service = r.service AND a.currency = r.currency), '')
         END AS src,
         sum(r.amount) AS amount
  FROM chargeback_rows r
  WHERE r.run_id = $1 AND r.team_id = $2 AND r.currency = $3 AND r.charge_type IN ('direct', 'kubernetes', 'idle', 'shared')
  GROUP BY ALL
),
daily_src AS (
  SELECT src, day, cost FROM owner_daily
  WHERE currency = $3 AND src IN (SELECT src FROM comp) AND (src NOT LIKE 'team:%' OR src = 'team:' || $2)
),
src_tot AS (SELECT src, sum(cost) AS tot FROM daily_src GROUP BY src),
days AS (SELECT d::DATE AS day FROM generate_series($4::DATE, $5::DATE - INTERVAL 1 DAY, INTERVAL 1 DAY) t(d)),
n AS (SELECT count(*) AS n FROM days)
SELECT strftime(d.day, '%Y-%m-%d') AS day, c.charge_type,
       sum(CASE WHEN coalesce(st.tot, 0) = 0 THEN c.amount::DOUBLE / n.n
                ELSE c.amount::DOUBLE * coalesce(ds.cost, 0)::DOUBLE / st.tot::DOUBLE END)::DECIMAL(38,12)::VARCHAR AS amount
FROM comp c CROSS JOIN days d CROSS JOIN n
LEFT JOIN src_tot st ON st.src = c.src
LEFT JOIN daily_src ds ON ds.src = c.src AND ds.day = d.day
GROUP BY ALL ORDER BY day, c.charge_type;
