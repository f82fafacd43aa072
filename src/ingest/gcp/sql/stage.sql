-- Appends one page of mapped BigQuery rows (mapRow in billing.ts) to stage_line_items; amounts
-- arrive as decimal strings and become DECIMAL(38,12) here.
-- $1 VARCHAR the rows (JSON array of objects with the stage's columns)
-- Returns: nothing
INSERT INTO stage_line_items BY NAME
SELECT
  (r->>'source_line')::BIGINT AS source_line,
  r->>'billing_account_id' AS billing_account_id,
  (r->>'billing_period_start')::TIMESTAMP AS billing_period_start,
  (r->>'billing_period_end')::TIMESTAMP AS billing_period_end,
  (r->>'charge_period_start')::TIMESTAMP AS charge_period_start,
  (r->>'charge_period_end')::TIMESTAMP AS charge_period_end,
  r->>'billing_currency' AS billing_currency,
  (r->>'billed_cost')::DECIMAL(38,12) AS billed_cost,
  (r->>'effective_cost')::DECIMAL(38,12) AS effective_cost,
  (r->>'list_cost')::DECIMAL(38,12) AS list_cost,
  r->>'charge_category' AS charge_category,
  r->>'charge_class' AS charge_class,
  r->>'charge_description' AS charge_description,
  r->>'charge_frequency' AS charge_frequency,
  r->>'provider_name' AS provider_name,
  r->>'publisher_name' AS publisher_name,
  r->>'invoice_issuer_name' AS invoice_issuer_name,
  r->>'sub_account_id' AS sub_account_id,
  r->>'sub_account_name' AS sub_account_name,
  r->>'service_name' AS service_name,
  r->>'service_category' AS service_category,
  r->>'region_id' AS region_id,
  r->>'resource_id' AS resource_id,
  r->>'resource_name' AS resource_name,
  r->>'sku_id' AS sku_id,
  (r->>'pricing_quantity')::DECIMAL(38,12) AS pricing_quantity,
  r->>'pricing_unit' AS pricing_unit,
  (r->'tags')::MAP(VARCHAR, VARCHAR) AS tags,
  r->'extra' AS extra
FROM (SELECT unnest(from_json($1::JSON, '["JSON"]')) AS r);
