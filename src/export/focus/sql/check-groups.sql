-- Each split group's charges against what its lineage says the group gave
-- away (a cluster's pool, the line items sent to a shared pool, and each
-- shared pool's inputs against its outputs). Any row here is a mismatch: the
-- split would not be what the run allocated.
-- Reads: focus_split_in, focus_pool_split_in, focus_charges, focus_targets.
-- Returns: what, currency, charges, lineage
WITH g AS (
  SELECT grp.kind || ' ' || grp.owner AS what, grp.currency AS currency, i, c, t, a FROM focus_split_in
  UNION ALL
  SELECT 'shared pool ' || grp.pool, grp.currency, i::VARCHAR, c, t, a FROM focus_pool_split_in
),
sums AS (
  SELECT what, currency,
         (SELECT sum(c) FROM (SELECT DISTINCT i, c FROM g x WHERE x.what = g.what AND x.currency = g.currency)) AS charges,
         (SELECT sum(a) FROM (SELECT DISTINCT t, a FROM g x WHERE x.what = g.what AND x.currency = g.currency)) AS lineage
  FROM g GROUP BY ALL
)
SELECT what, currency, charges::VARCHAR AS charges, lineage::VARCHAR AS lineage
FROM sums WHERE charges IS DISTINCT FROM lineage
UNION ALL
-- Charges sent to a cluster or pool whose lineage has nothing for their currency.
SELECT c.target_kind || ' ' || c.target_id, c.billing_currency, sum(c.cost)::VARCHAR, '0'
FROM focus_charges c
WHERE c.target_kind IN ('cluster', 'pool')
  AND NOT EXISTS (SELECT 1 FROM focus_targets t WHERE t.kind = c.target_kind AND t.owner = c.target_id AND t.currency = c.billing_currency)
GROUP BY ALL
ORDER BY ALL LIMIT 5;
