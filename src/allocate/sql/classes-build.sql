-- The period's line items summed per class (the columns Step 1 may read; see
-- migration 013), computed from the line items.
-- Reads: line_items, run_params. Writes: period_classes.

CREATE OR REPLACE TEMP TABLE period_classes AS
SELECT coalesce(class_key, line_item_class_key(sub_account_id, service_name, service_category, region_id, charge_category,
                                                resource_id, tags, billing_currency)) AS class_key,
       -- Every row of a class has the same values here: any one is all of them.
       any_value(billing_currency) AS currency, any_value(sub_account_id) AS sub_account_id, any_value(service_name) AS service_name,
       any_value(service_category) AS service_category, any_value(region_id) AS region_id,
       any_value(charge_category) AS charge_category, any_value(resource_id) AS resource_id, any_value(tags) AS tags,
       sum(billed_cost) AS billed_cost, sum(effective_cost) AS effective_cost, sum(list_cost) AS list_cost, count(*) AS line_items
FROM line_items
WHERE period = (SELECT period FROM run_params) AND superseded_by IS NULL
GROUP BY 1;
