-- "Why this number": the team's lineage grouped into bases people recognise.
-- Shared parts show the pool and its strategy only, never the weights (they
-- are other teams'). The four largest are listed; the rest are one group.
-- $1 INTEGER run id   $2 VARCHAR team id   $3 VARCHAR currency
-- Returns: key, label, namespaces, n (bases in the group), amount (exact), percent (integer % of Σ|parts|)
WITH l AS (
  SELECT CASE
           WHEN basis IN ('namespace', 'idle') AND cluster IS NOT NULL THEN 'k8s:' || cluster
           WHEN basis = 'shared' THEN 'shared:' || coalesce(pool, service)
           ELSE basis || ':' || detail
         END AS key,
         CASE
           WHEN basis IN ('namespace', 'idle') AND cluster IS NOT NULL THEN cluster
           WHEN basis = 'shared' THEN 'shared ' || service || coalesce(' (' || nullif(regexp_extract(detail, 'split (\w+)$', 1), '') || ')', '')
           WHEN basis = 'account' THEN detail || ' (no team tag)'
           ELSE detail
         END AS label,
         namespace, amount
  FROM allocation_lineage
  WHERE run_id = $1 AND target_kind = 'team' AND team_id = $2 AND currency = $3
  UNION ALL
  SELECT 'adjustment', 'adjustments of closed periods', NULL, amount_exact
  FROM chargeback_rows WHERE run_id = $1 AND team_id = $2 AND currency = $3 AND charge_type = 'adjustment'
),
ns AS (SELECT key, namespace, sum(amount) AS amount FROM l WHERE namespace IS NOT NULL GROUP BY ALL),
g AS (
  SELECT key, any_value(label) AS label, sum(amount) AS amount,
         (SELECT string_agg(namespace, ', ' ORDER BY ns.amount DESC, namespace) FROM ns WHERE ns.key = l.key) AS namespaces
  FROM l GROUP BY key
),
ranked AS (
  SELECT *, row_number() OVER (ORDER BY abs(amount) DESC, key) AS rn,
         sum(abs(amount)) OVER () AS tot, count(*) OVER () AS cnt
  FROM g
)
SELECT any_value(key) AS key, any_value(label) AS label, any_value(namespaces) AS namespaces, count(*)::VARCHAR AS n,
       sum(amount)::VARCHAR AS amount,
       CASE WHEN any_value(tot) = 0 THEN '0'
            ELSE round(100 * sum(amount)::DOUBLE / any_value(tot)::DOUBLE)::BIGINT::VARCHAR END AS percent
FROM ranked
GROUP BY CASE WHEN cnt <= 5 THEN rn ELSE least(rn, 5) END
ORDER BY CASE WHEN cnt <= 5 THEN rn ELSE least(rn, 5) END;
