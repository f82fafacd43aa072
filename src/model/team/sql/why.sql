-- "Why this number": each team's lineage, in its report's currency, grouped
-- into bases people recognise. Shared parts show the pool and its strategy
-- only, never the weights (they are other teams'). Per team the four largest
-- are listed; the rest are one group.
-- $1 INTEGER run id   $2 JSON list of {team_id, currency}
-- Returns: team_id, key, label, namespaces, n (bases in the group), amount (exact), percent (integer % of Σ|parts|)
WITH t AS (SELECT x.team_id, x.currency FROM (SELECT unnest(from_json($2::JSON, '[{"team_id":"VARCHAR","currency":"VARCHAR"}]')) AS x)),
l AS (
  SELECT a.team_id,
         CASE
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
  FROM allocation_lineage a JOIN t ON t.team_id = a.team_id AND t.currency = a.currency
  WHERE a.run_id = $1 AND a.target_kind = 'team'
  UNION ALL
  SELECT r.team_id, 'adjustment', 'adjustments of closed periods', NULL, r.amount_exact
  FROM chargeback_rows r JOIN t ON t.team_id = r.team_id AND t.currency = r.currency
  WHERE r.run_id = $1 AND r.charge_type = 'adjustment'
),
ns AS (SELECT team_id, key, namespace, sum(amount) AS amount FROM l WHERE namespace IS NOT NULL GROUP BY ALL),
g AS (
  SELECT team_id, key, any_value(label) AS label, sum(amount) AS amount,
         (SELECT string_agg(namespace, ', ' ORDER BY ns.amount DESC, namespace) FROM ns WHERE ns.team_id = l.team_id AND ns.key = l.key) AS namespaces
  FROM l GROUP BY team_id, key
),
ranked AS (
  SELECT *, row_number() OVER (PARTITION BY team_id ORDER BY abs(amount) DESC, key) AS rn,
         sum(abs(amount)) OVER (PARTITION BY team_id) AS tot, count(*) OVER (PARTITION BY team_id) AS cnt
  FROM g
)
SELECT team_id, any_value(key) AS key, any_value(label) AS label, any_value(namespaces) AS namespaces, count(*)::VARCHAR AS n,
       sum(amount)::VARCHAR AS amount,
       CASE WHEN any_value(tot) = 0 THEN '0'
            ELSE round(100 * sum(amount)::DOUBLE / any_value(tot)::DOUBLE)::BIGINT::VARCHAR END AS percent
FROM ranked
GROUP BY team_id, CASE WHEN cnt <= 5 THEN rn ELSE least(rn, 5) END
ORDER BY team_id, CASE WHEN cnt <= 5 THEN rn ELSE least(rn, 5) END;
