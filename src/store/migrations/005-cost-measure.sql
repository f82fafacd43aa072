-- A line item's cost under the configured cost measure (config `cost_metric`),
-- in one place for attribution, lineage and reports. EffectiveCost (amortised)
-- is the default; an unknown name never gets this far (the config is validated).
CREATE MACRO line_item_cost(metric, billed, effective, list) AS
  CASE metric WHEN 'BilledCost' THEN billed WHEN 'ListCost' THEN list ELSE effective END::DECIMAL(38,12);
