-- Each split group's charges against what its lineage says the group gave
-- away (a cluster's pool, the line items sent to a shared pool, and each
-- shared pool's inputs against its outputs). Any row here is a mismatch: the
-- split would not be what the run allocated.
-- Reads: focus_split_in, focus_pool_split_in.
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
FROM sums WHERE charges IS DISTINCT FROM lineage ORDER BY ALL LIMIT 5;
