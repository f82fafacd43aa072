-- Pairs of a delivery's parts that hold the same line items, and how many.
-- Only rows of the same account, sub-account and charge day can be the same
-- line item: parts split by account or by day (the usual case) share none and
-- are not hashed at all.
-- $1 VARCHAR  JSON list of the fresh parts' import ids
-- Reads: line_items, dlv_new.
-- Returns: a, b (import ids, a < b), n (shared line items, as text), most first.
WITH ids AS (SELECT unnest(from_json($1, '["INTEGER"]')) AS import_id),
shared_keys AS (
  SELECT billing_account_id, sub_account_id, day FROM dlv_new WHERE import_id IN (SELECT import_id FROM ids)
  GROUP BY ALL HAVING count(DISTINCT import_id) > 1),
rows AS (
  SELECT l.* FROM line_items l SEMI JOIN shared_keys k
    ON l.billing_account_id = k.billing_account_id AND l.sub_account_id IS NOT DISTINCT FROM k.sub_account_id
   AND CAST(l.charge_period_start AS DATE) = k.day
  WHERE l.import_id IN (SELECT import_id FROM ids)),
h AS (
  SELECT import_id, line_item_identity(billing_account_id, sub_account_id, charge_period_start, charge_period_end, charge_category,
                                       charge_description, service_name, resource_id, sku_id, sku_price_id, region_id,
                                       commitment_discount_id, tags) AS h
  FROM rows),
shared AS (SELECT h, min(import_id) AS a, max(import_id) AS b FROM h GROUP BY h HAVING count(DISTINCT import_id) > 1)
SELECT a, b, count(*)::VARCHAR AS n FROM shared GROUP BY a, b ORDER BY count(*) DESC;
