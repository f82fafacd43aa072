-- Two rules of deliveries (src/ingest/delivery/), written once for every
-- query that needs them.

-- What a line item is, money and quantities aside: a restatement of a month
-- repeats its line items (amounts and usage may change), while another part
-- of the same export holds different ones.
CREATE MACRO line_item_identity(billing_account_id, sub_account_id, charge_period_start, charge_period_end, charge_category,
                                charge_description, service_name, resource_id, sku_id, sku_price_id, region_id,
                                commitment_discount_id, tags) AS
  hash(billing_account_id, sub_account_id, charge_period_start, charge_period_end, charge_category, charge_description,
       service_name, resource_id, sku_id, sku_price_id, region_id, commitment_discount_id, tags);

-- Each import's current delivery: the newest delivery (not a no-op) that lists it.
CREATE VIEW import_current_delivery AS
SELECT p.import_id, max(p.delivery_id) AS delivery_id
FROM delivery_parts p JOIN deliveries d USING (delivery_id)
WHERE d.status <> 'noop' AND p.import_id IS NOT NULL
GROUP BY p.import_id;
