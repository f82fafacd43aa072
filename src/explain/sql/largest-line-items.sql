-- The largest line items behind a team's number: its direct ones, and those
-- of the cluster pools it draws on.
-- $1 INTEGER run id   $2 VARCHAR team id   $3 INTEGER how many
-- Returns: li_id, file, line, charge_type, service, sub_account_id, resource_id, charge_category, cost, currency, matched_by
WITH mine AS (
  SELECT o.li_id, 'direct' AS charge_type, o.detail AS matched_by FROM line_item_owners o
  WHERE o.run_id = $1 AND o.target_kind = 'team' AND o.target_id = $2
  UNION ALL
  SELECT o.li_id, 'kubernetes', o.detail FROM line_item_owners o
  WHERE o.run_id = $1 AND o.target_kind = 'cluster'
    AND o.target_id IN (SELECT cluster FROM allocation_lineage WHERE run_id = $1 AND team_id = $2 AND cluster IS NOT NULL)
)
SELECT l.li_id::VARCHAR AS li_id, i.file, l.source_line::VARCHAR AS line, m.charge_type, l.service_name AS service,
       l.sub_account_id, l.resource_id, l.charge_category,
       line_item_cost(r.cost_metric, l.billed_cost, l.effective_cost, l.list_cost)::VARCHAR AS cost,
       l.billing_currency AS currency, m.matched_by
FROM mine m
JOIN line_items l USING (li_id)
LEFT JOIN imports i ON i.import_id = l.import_id
CROSS JOIN (SELECT cost_metric FROM allocation_runs WHERE run_id = $1) r
ORDER BY abs(line_item_cost(r.cost_metric, l.billed_cost, l.effective_cost, l.list_cost)) DESC, l.li_id
LIMIT $3;
