-- The matches that changed: per basis of the lineage (a rule, a tag value, an
-- account, "no owner", a namespace), target and currency, a stored run's line
-- items and amount (before) against whatif_lineage (after). Shared-pool and
-- idle splits are left out: they follow from these.
-- $1 INTEGER  the stored run (0: none published)
-- Returns: basis, detail, target, currency, line_items_before, line_items_after (NULL: a namespace's
--          share of its cluster), amount_before, amount_after (exact decimal text); largest change first
WITH b AS (
  SELECT basis, detail, target_kind, team_id, currency, sum(amount) AS amount,
         sum(line_items) FILTER (WHERE src LIKE 'items:%') AS li
  FROM allocation_lineage WHERE run_id = $1 AND basis NOT IN ('shared', 'idle') GROUP BY ALL),
a AS (
  SELECT basis, detail, target_kind, team_id, currency, sum(amount) AS amount,
         sum(line_items) FILTER (WHERE src LIKE 'items:%') AS li
  FROM whatif_lineage WHERE basis NOT IN ('shared', 'idle') GROUP BY ALL)
SELECT basis, detail,
       CASE target_kind WHEN 'team' THEN 'team ' || team_id WHEN 'pool' THEN 'pool ' || team_id ELSE target_kind END AS target,
       currency,
       CASE WHEN basis = 'namespace' THEN NULL ELSE coalesce(b.li, 0) END::VARCHAR AS line_items_before,
       CASE WHEN basis = 'namespace' THEN NULL ELSE coalesce(a.li, 0) END::VARCHAR AS line_items_after,
       coalesce(b.amount, 0)::VARCHAR AS amount_before,
       coalesce(a.amount, 0)::VARCHAR AS amount_after
FROM b FULL JOIN a USING (basis, detail, target_kind, team_id, currency)
WHERE coalesce(b.li, 0) <> coalesce(a.li, 0) OR coalesce(b.amount, 0) <> coalesce(a.amount, 0)
ORDER BY abs(coalesce(a.amount, 0) - coalesce(b.amount, 0)) DESC, basis, detail, target, currency;
