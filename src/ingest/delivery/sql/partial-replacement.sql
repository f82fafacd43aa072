-- Loose files carry no export identity, so whether they restate what is
-- stored, or are one part of several, is told from the rows: per billing
-- account and period they would replace, how many of the old line items the
-- new rows repeat, and which charge days and sub-accounts of the old rows
-- they leave out.
-- Reads: line_items, dlv_scope, dlv_old_imports, dlv_parts, dlv_old, dlv_new.
-- Returns: billing_account_id, billing_period (YYYY-MM), old_rows, repeated (text),
--          missing_days, missing_subs (JSON lists).
WITH old AS (
  SELECT l.billing_account_id, l.billing_period_start,
         line_item_identity(l.billing_account_id, l.sub_account_id, l.charge_period_start, l.charge_period_end, l.charge_category,
                            l.charge_description, l.service_name, l.resource_id, l.sku_id, l.sku_price_id, l.region_id,
                            l.commitment_discount_id, l.tags) AS h
  FROM line_items l JOIN dlv_scope s USING (billing_account_id, billing_period_start)
  WHERE l.superseded_by IS NULL AND l.import_id IN (SELECT import_id FROM dlv_old_imports)),
new AS (
  SELECT DISTINCT billing_account_id, billing_period_start,
         line_item_identity(billing_account_id, sub_account_id, charge_period_start, charge_period_end, charge_category,
                            charge_description, service_name, resource_id, sku_id, sku_price_id, region_id,
                            commitment_discount_id, tags) AS h
  FROM line_items WHERE import_id IN (SELECT import_id FROM dlv_parts)),
repeats AS (
  SELECT o.billing_account_id, o.billing_period_start, count(*) AS old_rows, count(n.h) AS repeated
  FROM old o LEFT JOIN new n USING (billing_account_id, billing_period_start, h) GROUP BY ALL),
gaps AS (
  SELECT o.billing_account_id, o.billing_period_start,
         to_json(list(DISTINCT strftime(o.day, '%Y-%m-%d') ORDER BY strftime(o.day, '%Y-%m-%d'))
           FILTER (WHERE NOT EXISTS (SELECT 1 FROM dlv_new n WHERE n.billing_account_id = o.billing_account_id
                                     AND n.billing_period_start = o.billing_period_start AND n.day = o.day)))::VARCHAR AS missing_days,
         to_json(list(DISTINCT o.sub_account_id ORDER BY o.sub_account_id)
           FILTER (WHERE o.sub_account_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM dlv_new n WHERE n.billing_account_id = o.billing_account_id
                                     AND n.billing_period_start = o.billing_period_start AND n.sub_account_id = o.sub_account_id)))::VARCHAR AS missing_subs
  FROM dlv_old o GROUP BY ALL)
SELECT r.billing_account_id, strftime(r.billing_period_start, '%Y-%m') AS billing_period, r.old_rows::VARCHAR AS old_rows,
       r.repeated::VARCHAR AS repeated, coalesce(g.missing_days, '[]') AS missing_days, coalesce(g.missing_subs, '[]') AS missing_subs
FROM repeats r LEFT JOIN gaps g USING (billing_account_id, billing_period_start)
ORDER BY 1, 2;
