-- What Step 1 classifies: one row per class with its cost in the configured
-- measure and the number of line items it stands for.
-- Reads: period_classes, run_params. Writes: classes.

CREATE OR REPLACE TEMP TABLE classes AS
SELECT c.class_key, c.currency, line_item_cost(r.cost_metric, c.billed_cost, c.effective_cost, c.list_cost) AS cost,
       coalesce(nullif(c.service_name, ''), 'Unknown service') AS service,
       c.sub_account_id, c.service_name, c.service_category, c.region_id, c.charge_category, c.resource_id, c.tags,
       c.line_items
FROM period_classes c, run_params r;
