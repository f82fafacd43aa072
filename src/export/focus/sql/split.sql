-- The split behind the FOCUS rows of a run (rows.sql): the period's charges,
-- and each charge Allot split (cluster pools, shared pools) divided among the
-- receivers its lineage names, in the cost measure.
-- Reads: focus_params (run_id, cost_metric), run_line_items, allocation_lineage,
--        cluster_stats, and split_exact (split-exact.sql).
-- Writes: focus_charges (the origin charges), focus_targets (what each
--         split group gave each receiver), focus_split (charge × target
--         amounts in the cost measure).

-- Origin charges: the run's line items summed per day on every column the
-- export carries (the allocation reads none of the ones summed away).
CREATE OR REPLACE TEMP TABLE focus_charges AS
SELECT row_number() OVER (ORDER BY day, billing_currency, target_kind, target_id, service_name, resource_id, sku_id, charge_description) AS charge_id, *,
       line_item_cost((SELECT cost_metric FROM focus_params), billed_cost, effective_cost, list_cost) AS cost
FROM (
  SELECT target_kind, target_id,
         billing_account_id, billing_account_name, billing_period_start, billing_period_end,
         date_trunc('day', charge_period_start) AS day,
         min(charge_period_start) AS charge_period_start, max(charge_period_end) AS charge_period_end,
         billing_currency, charge_category, charge_class, charge_description, charge_frequency,
         provider_name, publisher_name, invoice_issuer_name, sub_account_id, sub_account_name,
         service_name, service_category, region_id, region_name, availability_zone,
         resource_id, resource_name, resource_type, sku_id, sku_price_id, pricing_category, pricing_unit, consumed_unit,
         commitment_discount_id, commitment_discount_type, commitment_discount_status, commitment_discount_category, tags,
         sum(billed_cost) AS billed_cost, sum(effective_cost) AS effective_cost, sum(list_cost) AS list_cost,
         sum(contracted_cost) AS contracted_cost, sum(pricing_quantity) AS pricing_quantity,
         sum(consumed_quantity) AS consumed_quantity, count(*) AS line_items
  FROM run_line_items
  WHERE run_id = (SELECT run_id FROM focus_params)
  GROUP BY ALL
);

CREATE OR REPLACE TEMP TABLE focus_lineage AS
SELECT * FROM allocation_lineage WHERE run_id = (SELECT run_id FROM focus_params);

-- Stage 1, shared pools: what each input of a pool (a cluster's system
-- namespace or idle, or the line items sent to it directly, taken together)
-- passed to each receiver. The inputs are the charges, the receivers the targets.
CREATE OR REPLACE TEMP TABLE focus_pool_in AS
SELECT team_id AS pool, currency, CASE WHEN src LIKE 'cluster:%' THEN detail ELSE '' END AS input, sum(amount) AS amount
FROM focus_lineage WHERE target_kind = 'pool'
GROUP BY ALL;

CREATE OR REPLACE TEMP TABLE focus_pool_out AS
SELECT substr(src, 6) AS pool, currency, team_id, any_value(target_kind) AS target_kind, any_value(charge_type) AS charge_type,
       any_value(service) AS service, any_value(detail) AS detail, sum(weight) AS weight, sum(amount) AS amount
FROM focus_lineage WHERE src LIKE 'pool:%'
GROUP BY ALL;

CREATE OR REPLACE TEMP TABLE focus_pool_split_in AS
SELECT {'pool': i.pool, 'currency': i.currency} AS grp, i.input AS i, i.amount AS c, o.team_id AS t, o.amount AS a
FROM focus_pool_in i JOIN focus_pool_out o USING (pool, currency);

CREATE OR REPLACE TEMP TABLE focus_pool_split AS
SELECT grp.pool, grp.currency, i AS input, t AS team_id, amount FROM split_exact('focus_pool_split_in');

-- Stage 2, the split groups and what each receiver got from each: a
-- cluster's pool (its namespaces, their idle, and through its system
-- namespaces the receivers of the platform pool), and the line items sent to
-- a shared pool directly (its receivers).
CREATE OR REPLACE TEMP TABLE focus_targets AS
WITH pool_meta AS (
  SELECT o.*, sum(o.weight) OVER (PARTITION BY pool, currency) AS total_weight,
         CASE WHEN o.target_kind = 'team' THEN regexp_extract(o.detail, ' split (\w+)$', 1) END AS strategy
  FROM focus_pool_out o
),
via_pool AS (
  SELECT s.pool, s.currency, s.input, s.team_id, s.amount, m.charge_type, m.service, m.strategy, m.weight, m.total_weight
  FROM focus_pool_split s JOIN pool_meta m USING (pool, currency, team_id)
)
-- A cluster's namespaces and idle that went to a team or stayed unallocated.
SELECT 'cluster' AS kind, l.cluster AS owner, l.currency, l.detail AS target, l.team_id, l.charge_type, l.service,
       CASE
         WHEN l.basis = 'namespace' THEN 'allot/cluster-usage'
         WHEN l.basis = 'idle' AND l.namespace IS NOT NULL THEN 'allot/idle-proportional'
         -- Idle no namespace took (platform idle goes to the pool, below): left unallocated.
         WHEN l.basis = 'idle' THEN 'allot/idle-unallocated'
         ELSE 'allot/cluster-no-usage'
       END AS method_id,
       l.cluster, l.namespace, NULL::VARCHAR AS pool, NULL::VARCHAR AS pool_name,
       l.cpu_core_hours, l.mem_gib_hours, cs.cpu_cost, cs.mem_cost,
       greatest(cs.cpu_capacity_core_hours, cs.cpu_used_core_hours) AS cpu_basis,
       greatest(cs.mem_capacity_gib_hours, cs.mem_used_gib_hours) AS mem_basis,
       NULL::DECIMAL(38,12) AS weight, NULL::DECIMAL(38,12) AS total_weight, NULL::VARCHAR AS via, l.amount
FROM focus_lineage l
LEFT JOIN cluster_stats cs ON cs.run_id = l.run_id AND cs.cluster = l.cluster AND cs.currency = l.currency
WHERE l.src LIKE 'cluster:%' AND l.target_kind <> 'pool'
UNION ALL
-- A cluster's system namespaces and platform idle, through the pool to its receivers.
SELECT 'cluster', l.cluster, l.currency, l.detail || ' → ' || v.team_id, v.team_id, v.charge_type, v.service,
       'allot/shared-' || coalesce(v.strategy, 'no-receiver'),
       l.cluster, l.namespace, l.team_id, v.service,
       NULL, NULL, NULL, NULL, NULL, NULL, v.weight, v.total_weight, l.basis, v.amount
FROM focus_lineage l
JOIN via_pool v ON v.pool = l.team_id AND v.currency = l.currency AND v.input = l.detail
WHERE l.src LIKE 'cluster:%' AND l.target_kind = 'pool'
UNION ALL
-- The line items sent to a pool directly, to its receivers.
SELECT 'pool', v.pool, v.currency, v.team_id, v.team_id, v.charge_type, v.service,
       'allot/shared-' || coalesce(v.strategy, 'no-receiver'),
       NULL, NULL, v.pool, v.service,
       NULL, NULL, NULL, NULL, NULL, NULL, v.weight, v.total_weight, 'line items', v.amount
FROM via_pool v WHERE v.input = '';

CREATE OR REPLACE TEMP TABLE focus_split_in AS
SELECT {'kind': t.kind, 'owner': t.owner, 'currency': t.currency} AS grp, c.charge_id AS i, c.cost AS c, t.target AS t, t.amount AS a
FROM focus_charges c
JOIN focus_targets t ON t.kind = c.target_kind AND t.owner = c.target_id AND t.currency = c.billing_currency;

CREATE OR REPLACE TEMP TABLE focus_split AS
SELECT grp.kind, grp.owner, grp.currency, i AS charge_id, t AS target, ratio, amount,
       row_number() OVER (PARTITION BY i ORDER BY ratio DESC, t) = 1 AS largest
FROM split_exact('focus_split_in');
