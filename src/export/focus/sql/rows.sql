-- The FOCUS 1.3 rows of a run: every charge of the period, each charge Allot
-- split replaced by its allocated charges.
-- Reads: focus_params, focus_charges, focus_targets, focus_split (split.sql), chargeback_rows.
-- Writes: focus_parts (the allocated charges), focus_rows (the export, FOCUS column names).

-- Splits the other summable columns of a charge by the same ratio, the
-- residual to its largest part, so they too add up to the charge exactly.
CREATE OR REPLACE TEMP MACRO focus_part(v, ratio, largest, charge_id) AS
  CAST(v::DOUBLE * ratio AS DECIMAL(38,12))
  + CASE WHEN largest THEN v - sum(CAST(v::DOUBLE * ratio AS DECIMAL(38,12))) OVER (PARTITION BY charge_id) ELSE 0 END;

CREATE OR REPLACE TEMP TABLE focus_parts AS
SELECT c.* EXCLUDE (billed_cost, effective_cost, list_cost, contracted_cost, pricing_quantity, consumed_quantity, cost),
       CASE WHEN m.cost_metric = 'BilledCost' THEN s.amount ELSE focus_part(c.billed_cost, s.ratio, s.largest, c.charge_id) END AS billed_cost,
       CASE WHEN m.cost_metric NOT IN ('BilledCost', 'ListCost') THEN s.amount ELSE focus_part(c.effective_cost, s.ratio, s.largest, c.charge_id) END AS effective_cost,
       CASE WHEN m.cost_metric = 'ListCost' THEN s.amount ELSE focus_part(c.list_cost, s.ratio, s.largest, c.charge_id) END AS list_cost,
       focus_part(c.contracted_cost, s.ratio, s.largest, c.charge_id) AS contracted_cost,
       focus_part(c.pricing_quantity, s.ratio, s.largest, c.charge_id) AS pricing_quantity,
       focus_part(c.consumed_quantity, s.ratio, s.largest, c.charge_id) AS consumed_quantity,
       s.ratio, t.team_id AS x_team, t.charge_type AS x_charge_type, t.service AS x_service, t.method_id,
       t.cluster AS x_cluster, t.namespace AS x_namespace, t.pool AS x_pool, t.pool_name,
       t.cpu_core_hours, t.mem_gib_hours, t.weight, t.total_weight, t.via AS x_via,
       -- A namespace's usage part: its CPU and memory shares of the charge (the cluster's CPU and
       -- memory cost times the namespace's share of each resource), from the period's usage.
       t.cpu_cost::DOUBLE * t.cpu_core_hours::DOUBLE / nullif(t.cpu_basis::DOUBLE, 0) AS cpu_part,
       t.mem_cost::DOUBLE * t.mem_gib_hours::DOUBLE / nullif(t.mem_basis::DOUBLE, 0) AS mem_part
FROM focus_split s
JOIN focus_charges c USING (charge_id)
JOIN focus_targets t ON t.kind = s.kind AND t.owner = s.owner AND t.currency = s.currency AND t.target = s.target
CROSS JOIN focus_params m;

-- The export: FOCUS 1.3 column names; Allot's own columns carry the x_ prefix.
CREATE OR REPLACE TEMP TABLE focus_rows AS
WITH direct AS (
  SELECT c.* EXCLUDE (cost), NULL::DOUBLE AS ratio,
         coalesce(c.target_id, 'unallocated') AS x_team,
         CASE c.target_kind WHEN 'team' THEN 'direct' ELSE 'unallocated' END AS x_charge_type,
         coalesce(nullif(c.service_name, ''), 'Unknown service') AS x_service,
         NULL::VARCHAR AS method_id, NULL::VARCHAR AS x_cluster, NULL::VARCHAR AS x_namespace, NULL::VARCHAR AS x_pool, NULL::VARCHAR AS pool_name,
         NULL::DECIMAL(38,6) AS cpu_core_hours, NULL::DECIMAL(38,6) AS mem_gib_hours,
         NULL::DECIMAL(38,12) AS weight, NULL::DECIMAL(38,12) AS total_weight, NULL::VARCHAR AS x_via, NULL::DOUBLE AS cpu_part, NULL::DOUBLE AS mem_part
  FROM focus_charges c
  WHERE c.target_kind IN ('team', 'unallocated')
),
all_rows AS (
  SELECT * FROM direct
  UNION ALL BY NAME
  SELECT * FROM focus_parts
)
SELECT
  AllocatedMethodId,
  CASE WHEN AllocatedMethodId IS NOT NULL THEN CASE
    WHEN AllocatedMethodId = 'allot/cluster-usage' AND coalesce(cpu_part, 0) + coalesce(mem_part, 0) > 0 THEN json_object('Elements', json_array(
      json_object('AllocatedRatio', ratio * coalesce(cpu_part, 0) / (coalesce(cpu_part, 0) + coalesce(mem_part, 0)),
                  'UsageUnit', 'Core-Hours', 'UsageQuantity', cpu_core_hours::DOUBLE),
      json_object('AllocatedRatio', ratio * coalesce(mem_part, 0) / (coalesce(cpu_part, 0) + coalesce(mem_part, 0)),
                  'UsageUnit', 'GiB-Hours', 'UsageQuantity', mem_gib_hours::DOUBLE)))
    WHEN weight IS NOT NULL THEN json_object('Elements', json_array(
      json_object('AllocatedRatio', ratio, 'x_Weight', weight::DOUBLE, 'x_TotalWeight', total_weight::DOUBLE)))
    ELSE json_object('Elements', json_array(json_object('AllocatedRatio', ratio)))
  END::VARCHAR END AS AllocatedMethodDetails,
  CASE
    WHEN AllocatedMethodId IN ('allot/cluster-usage') THEN x_cluster || '/' || x_namespace
    WHEN AllocatedMethodId LIKE 'allot/shared-%' AND x_team <> 'unallocated' THEN 'pool/' || x_pool
  END AS AllocatedResourceId,
  CASE
    WHEN AllocatedMethodId IN ('allot/cluster-usage') THEN x_namespace
    WHEN AllocatedMethodId LIKE 'allot/shared-%' AND x_team <> 'unallocated' THEN pool_name
  END AS AllocatedResourceName,
  CASE WHEN AllocatedMethodId IS NOT NULL THEN json_merge_patch('{}', json_object(
    'allot/team', x_team, 'allot/charge-type', x_charge_type, 'allot/cluster', x_cluster,
    'allot/namespace', x_namespace, 'allot/pool', x_pool, 'allot/pool-input', x_via))::VARCHAR END AS AllocatedTags,
  availability_zone AS AvailabilityZone,
  billed_cost AS BilledCost,
  billing_account_id AS BillingAccountId,
  billing_account_name AS BillingAccountName,
  billing_currency AS BillingCurrency,
  timezone('UTC', billing_period_end) AS BillingPeriodEnd,
  timezone('UTC', billing_period_start) AS BillingPeriodStart,
  charge_category AS ChargeCategory,
  charge_class AS ChargeClass,
  charge_description AS ChargeDescription,
  charge_frequency AS ChargeFrequency,
  timezone('UTC', charge_period_end) AS ChargePeriodEnd,
  timezone('UTC', charge_period_start) AS ChargePeriodStart,
  commitment_discount_category AS CommitmentDiscountCategory,
  commitment_discount_id AS CommitmentDiscountId,
  commitment_discount_status AS CommitmentDiscountStatus,
  commitment_discount_type AS CommitmentDiscountType,
  consumed_quantity AS ConsumedQuantity,
  consumed_unit AS ConsumedUnit,
  contracted_cost AS ContractedCost,
  effective_cost AS EffectiveCost,
  coalesce(provider_name, publisher_name) AS HostProviderName,
  invoice_issuer_name AS InvoiceIssuerName,
  list_cost AS ListCost,
  pricing_category AS PricingCategory,
  pricing_quantity AS PricingQuantity,
  pricing_unit AS PricingUnit,
  provider_name AS ProviderName,
  publisher_name AS PublisherName,
  region_id AS RegionId,
  region_name AS RegionName,
  resource_id AS ResourceId,
  resource_name AS ResourceName,
  resource_type AS ResourceType,
  service_category AS ServiceCategory,
  service_name AS ServiceName,
  coalesce(publisher_name, provider_name) AS ServiceProviderName,
  sku_id AS SkuId,
  sku_price_id AS SkuPriceId,
  sub_account_id AS SubAccountId,
  sub_account_name AS SubAccountName,
  CASE WHEN cardinality(tags) > 0 THEN to_json(tags)::VARCHAR END AS Tags,
  x_team AS x_AllotTeam,
  x_charge_type AS x_AllotChargeType,
  x_service AS x_AllotService,
  charge_id AS x_AllotChargeId,
  line_items AS x_AllotLineItems
FROM (SELECT *, method_id AS AllocatedMethodId FROM all_rows)
ORDER BY charge_id, AllocatedMethodId NULLS FIRST, x_team, AllocatedResourceId NULLS FIRST, x_charge_type, x_cluster, x_namespace;

-- x_AllotChargebackCost: the cost measure with the chargeback CSV's rounding
-- on it. The CSV rounds each of its rows (largest remainder, to the
-- currency's decimals); the difference between a row's printed and exact
-- amount goes on that row's largest FOCUS row, so a team's x_AllotChargebackCost
-- adds up to its CSV total to the cent, while the FOCUS cost columns stay exact.
CREATE OR REPLACE TEMP TABLE focus_rows AS
WITH ranked AS (
  SELECT f.*, CASE p.cost_metric WHEN 'BilledCost' THEN BilledCost WHEN 'ListCost' THEN ListCost ELSE EffectiveCost END AS cost,
         row_number() OVER (PARTITION BY x_AllotTeam, x_AllotChargeType, x_AllotService, BillingCurrency
                            ORDER BY abs(CASE p.cost_metric WHEN 'BilledCost' THEN BilledCost WHEN 'ListCost' THEN ListCost ELSE EffectiveCost END) DESC,
                                     x_AllotChargeId, AllocatedResourceId, AllocatedMethodId) AS rank_in_row,
         row_number() OVER () AS ord
  FROM focus_rows f, focus_params p
),
rounding AS (
  SELECT team_id, charge_type, service, currency, sum(amount) - sum(amount_exact) AS diff
  FROM chargeback_rows WHERE run_id = (SELECT run_id FROM focus_params) AND charge_type <> 'adjustment'
  GROUP BY ALL
)
SELECT r.* EXCLUDE (cost, rank_in_row, ord),
       (r.cost + CASE WHEN r.rank_in_row = 1 THEN coalesce(d.diff, 0) ELSE 0 END)::DECIMAL(38,12) AS x_AllotChargebackCost
FROM ranked r
LEFT JOIN rounding d ON d.team_id = r.x_AllotTeam AND d.charge_type = r.x_AllotChargeType AND d.service = r.x_AllotService AND d.currency = r.BillingCurrency
ORDER BY r.ord;
