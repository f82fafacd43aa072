-- Writes list prices; prices arrive as decimal strings and become DECIMAL(38,12) here.
-- $1 VARCHAR the prices (JSON array of {provider, service, sku_id, description, region, machine_family,
-- resource, unit, price, currency, effective_time})  $2 VARCHAR when they were fetched (ISO 8601)
-- Returns: nothing
INSERT INTO list_prices BY NAME
SELECT r->>'provider' AS provider, r->>'service' AS service, r->>'sku_id' AS sku_id, r->>'description' AS description,
       r->>'region' AS region, r->>'machine_family' AS machine_family, r->>'resource' AS resource, r->>'unit' AS unit,
       (r->>'price')::DECIMAL(38,12) AS price, r->>'currency' AS currency,
       (r->>'effective_time')::TIMESTAMP AS effective_time, $2::TIMESTAMP AS fetched_at
FROM (SELECT unnest(from_json($1::JSON, '["JSON"]')) AS r);
