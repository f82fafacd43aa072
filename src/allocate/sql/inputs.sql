-- The period's inputs: current (not superseded) line items with the
-- configured cost measure, and current Kubernetes snapshots.

CREATE OR REPLACE TEMP TABLE items AS
SELECT
  li.li_id,
  li.billing_currency AS currency,
  line_item_cost(r.cost_metric, li.billed_cost, li.effective_cost, li.list_cost) AS cost,
  coalesce(nullif(li.service_name, ''), 'Unknown service') AS service,
  li.sub_account_id, li.service_name, li.service_category, li.region_id,
  li.charge_category, li.resource_id,
  li.tags
FROM line_items li
JOIN run_params r ON li.period = r.period
WHERE li.superseded_by IS NULL;

CREATE OR REPLACE TEMP VIEW current_snapshots AS
SELECT s.*
FROM k8s_snapshots s
JOIN run_params r ON s.period = r.period
WHERE s.superseded_by IS NULL;
