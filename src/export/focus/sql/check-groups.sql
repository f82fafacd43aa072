-- Each split group's charges against what its lineage says the group gave
-- away (a cluster's pool, the line items sent to a shared pool, and each
-- shared pool's inputs against its outputs). Any row here is a mismatch: the
-- split would not be what the run allocated.
-- Reads: focus_groups, focus_group_targets, focus_pool_in, focus_pool_out, focus_charges.
-- Returns: what, currency, charges, lineage
WITH g AS (
  SELECT g.kind || ' ' || g.owner AS what, g.currency, g.charges, t.total AS lineage
  FROM focus_groups g JOIN (SELECT DISTINCT gid, total FROM focus_group_targets) t USING (gid)
  UNION ALL
  SELECT 'shared pool ' || pool, currency, i.amount, o.amount
  FROM (SELECT pool, currency, sum(amount) AS amount FROM focus_pool_in GROUP BY ALL) i
  JOIN (SELECT pool, currency, sum(amount) AS amount FROM focus_pool_out GROUP BY ALL) o USING (pool, currency)
)
SELECT what, currency, charges::VARCHAR AS charges, lineage::VARCHAR AS lineage
FROM g WHERE charges IS DISTINCT FROM lineage
UNION ALL
-- Charges sent to a cluster or pool whose lineage has nothing for their currency.
SELECT c.target_kind || ' ' || c.target_id, c.billing_currency, sum(c.cost)::VARCHAR, '0'
FROM focus_charges c
WHERE c.target_kind IN ('cluster', 'pool') AND c.gid IS NULL
GROUP BY ALL
ORDER BY ALL LIMIT 5;
