-- The period's line items summed per class (the columns Step 1 may read; see
-- migration 013), computed from the line items.
-- Reads: line_items, run_params. Writes: period_classes.

-- First the sums per class and one line item of each (its lowest id). Only
-- numbers are grouped: at 100 million line items (millions of classes) a
-- group that also carried each class's text and tags outgrew the memory limit.
CREATE OR REPLACE TEMP TABLE period_class_sums AS
SELECT coalesce(class_key, line_item_class_key(sub_account_id, service_name, service_category, region_id, charge_category,
                                                resource_id, tags, billing_currency)) AS class_key,
       min(li_id) AS first_li_id,
       sum(billed_cost) AS billed_cost, sum(effective_cost) AS effective_cost, sum(list_cost) AS list_cost, count(*) AS line_items
FROM line_items
WHERE period = (SELECT period FROM run_params) AND superseded_by IS NULL
GROUP BY 1;

-- Then the class's columns from that one line item: every line item of a
-- class has the same values in them.
CREATE OR REPLACE TEMP TABLE period_classes AS
SELECT c.class_key, l.billing_currency AS currency, l.sub_account_id, l.service_name, l.service_category, l.region_id,
       l.charge_category, l.resource_id, l.tags, c.billed_cost, c.effective_cost, c.list_cost, c.line_items
FROM period_class_sums c
JOIN line_items l ON l.li_id = c.first_li_id
WHERE l.period = (SELECT period FROM run_params);

DROP TABLE period_class_sums;
