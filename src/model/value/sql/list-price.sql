-- The cheapest general-purpose GCP machine family's on-demand CPU and memory prices in a currency, per
-- family and region the price in force at the end of the period (else the earliest later one; then the
-- newest fetch). Families are ranked by the price of 1 vCPU plus $gib_per_core GiB; spot, committed-use,
-- custom, sole-tenant, extended, reserved and premium SKUs are left out.
-- $currency VARCHAR  $end VARCHAR the end of the period ('YYYY-MM-01 00:00:00' of the next month)
-- $families VARCHAR the general-purpose families, lower case (JSON array)  $gib_per_core INTEGER
-- Returns: family, region, cpu_price, mem_price (decimal text), cpu_sku, cpu_desc, cpu_unit, cpu_eff, cpu_fetched,
-- mem_sku, mem_desc, mem_unit, mem_eff, mem_fetched; no row: no such prices
WITH candidates AS (
  SELECT lower(machine_family) AS fam, machine_family, region, resource, sku_id, description, unit, price,
         effective_time, fetched_at,
         row_number() OVER (
           PARTITION BY lower(machine_family), region, resource
           -- the price in force at the end of the period, else the earliest later one; then the newest fetch
           ORDER BY (TRY_CAST(effective_time AS TIMESTAMP) < $end::TIMESTAMP) DESC,
                    CASE WHEN TRY_CAST(effective_time AS TIMESTAMP) < $end::TIMESTAMP THEN effective_time END DESC,
                    effective_time, fetched_at DESC, price, sku_id) AS rn
  FROM list_prices
  WHERE provider = 'gcp' AND currency = $currency AND resource IN ('cpu', 'memory') AND price > 0
    AND list_contains(from_json($families, '["VARCHAR"]'), lower(machine_family))
    AND NOT regexp_matches(lower(coalesce(description, '')), 'preemptible|spot|commit|custom|sole tenan|extended|reserved|premium')
),
latest AS (SELECT * FROM candidates WHERE rn = 1)
SELECT c.machine_family AS family, c.region,
       c.price::VARCHAR AS cpu_price, m.price::VARCHAR AS mem_price,
       c.sku_id AS cpu_sku, c.description AS cpu_desc, coalesce(c.unit, '') AS cpu_unit,
       c.effective_time::VARCHAR AS cpu_eff, c.fetched_at::VARCHAR AS cpu_fetched,
       m.sku_id AS mem_sku, m.description AS mem_desc, coalesce(m.unit, '') AS mem_unit,
       m.effective_time::VARCHAR AS mem_eff, m.fetched_at::VARCHAR AS mem_fetched
FROM latest c
JOIN latest m ON m.fam = c.fam AND m.region IS NOT DISTINCT FROM c.region AND m.resource = 'memory'
WHERE c.resource = 'cpu'
ORDER BY c.price + $gib_per_core::INTEGER * m.price, c.fam, c.region
LIMIT 1;
