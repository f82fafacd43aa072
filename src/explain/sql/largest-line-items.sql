-- The largest line items behind a team's number: its direct ones, and those
-- of the cluster pools it draws on.
-- $1 INTEGER run id   $2 VARCHAR team id   $3 INTEGER how many
-- Returns: li_id, file, line, charge_type, service, sub_account_id, resource_id, charge_category, cost, currency, matched_by
WITH mine AS (
  SELECT l.*, CASE WHEN l.target_kind = 'team' THEN 'direct' ELSE 'kubernetes' END AS charge_type
  FROM run_line_items l
  WHERE l.run_id = $1
    AND ((l.target_kind = 'team' AND l.target_id = $2)
         OR (l.target_kind = 'cluster'
             AND l.target_id IN (SELECT cluster FROM allocation_lineage WHERE run_id = $1 AND team_id = $2 AND cluster IS NOT NULL)))
)
SELECT m.li_id::VARCHAR AS li_id, i.file, m.source_line::VARCHAR AS line, m.charge_type, m.service_name AS service,
       m.sub_account_id, m.resource_id, m.charge_category,
       line_item_cost(r.cost_metric, m.billed_cost, m.effective_cost, m.list_cost)::VARCHAR AS cost,
       m.billing_currency AS currency, m.detail AS matched_by
FROM mine m
LEFT JOIN imports i ON i.import_id = m.import_id
CROSS JOIN (SELECT cost_metric FROM allocation_runs WHERE run_id = $1) r
ORDER BY abs(line_item_cost(r.cost_metric, m.billed_cost, m.effective_cost, m.list_cost)) DESC, m.li_id
LIMIT $3;
