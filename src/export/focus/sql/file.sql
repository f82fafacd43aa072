-- The FOCUS 1.3 rows of a run, in the file's order: every charge of the
-- period (focus_charges, in charge_id order), each charge Allot split
-- replaced by its allocated charges, one per target of its group. Streams:
-- nothing here is stored or sorted.
-- Reads: focus_charges (split.sql, rows.sql), variables focus_targets and focus_spans (rows.sql), focus_cost_metric (split.sql);
-- the focus_cell_* macros (split.sql).
-- Returns: the FOCUS columns (FOCUS 1.3 names; Allot's own columns carry the x_ prefix).

-- Within a group every charge is split by the same ratios: the other
-- summable columns by the target's ratio, the charge's residual to the
-- group's largest target, so that they too add up to the charge exactly.
WITH cells AS (
  SELECT *, getvariable('focus_targets')[getvariable('focus_spans')[gid].start + k + 1] AS t
  FROM (SELECT *, unnest(range(coalesce(getvariable('focus_spans')[gid].n, 1))) AS k FROM focus_charges)
),
amounts AS (
  SELECT *,
         focus_cell_amount(focus_cell_share(cost, t.total, t.ratio_d), t.first_t, charge_id = t.first_charge, r_i, t.s_t, t.s_all) AS amount,
         getvariable('focus_cost_metric') AS metric
  FROM cells
),
money AS (
  SELECT *,
         CASE WHEN t IS NOT NULL AND metric = 'BilledCost' THEN amount ELSE focus_cell_value(billed_cost, billed_cost_r, t) END AS m_billed,
         CASE WHEN t IS NOT NULL AND metric NOT IN ('BilledCost', 'ListCost') THEN amount
              ELSE focus_cell_value(effective_cost, effective_cost_r, t) END AS m_effective,
         CASE WHEN t IS NOT NULL AND metric = 'ListCost' THEN amount ELSE focus_cell_value(list_cost, list_cost_r, t) END AS m_list
  FROM amounts
)
SELECT
  t.method_id AS AllocatedMethodId,
  t.details AS AllocatedMethodDetails,
  t.resource_id AS AllocatedResourceId,
  t.resource_name AS AllocatedResourceName,
  t.allocated_tags AS AllocatedTags,
  availability_zone AS AvailabilityZone,
  m_billed AS BilledCost,
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
  focus_cell_value(consumed_quantity, consumed_quantity_r, t) AS ConsumedQuantity,
  consumed_unit AS ConsumedUnit,
  focus_cell_value(contracted_cost, contracted_cost_r, t) AS ContractedCost,
  m_effective AS EffectiveCost,
  coalesce(provider_name, publisher_name) AS HostProviderName,
  invoice_issuer_name AS InvoiceIssuerName,
  m_list AS ListCost,
  pricing_category AS PricingCategory,
  focus_cell_value(pricing_quantity, pricing_quantity_r, t) AS PricingQuantity,
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
  tags_json AS Tags,
  CASE WHEN t IS NULL THEN x_team ELSE t.team_id END AS x_AllotTeam,
  CASE WHEN t IS NULL THEN x_charge_type ELSE t.charge_type END AS x_AllotChargeType,
  CASE WHEN t IS NULL THEN x_service ELSE t.service END AS x_AllotService,
  charge_id AS x_AllotChargeId,
  line_items AS x_AllotLineItems,
  (CASE metric WHEN 'BilledCost' THEN m_billed WHEN 'ListCost' THEN m_list ELSE m_effective END
   + CASE WHEN t IS NULL THEN coalesce(cb_diff, 0) WHEN charge_id = t.cb_charge THEN t.cb_diff ELSE 0 END)::DECIMAL(38,12) AS x_AllotChargebackCost
FROM money
