-- The split behind the FOCUS rows of a run (file.sql): the period's charges,
-- and each charge Allot split (cluster pools, shared pools) divided among the
-- receivers its lineage names, in the cost measure. A split charge is its
-- group's line items of one UTC day summed on the columns the split does not
-- read (the key: focus_charges_raw below), so the file grows with split
-- groups × days × receivers, not with line items.
--
-- Every charge of a split group is split among all of the group's targets
-- (what the allocation gave each receiver), so that both sides add up
-- exactly, to 12 decimal places: each charge's parts sum to the charge, each
-- target's parts, over the group's charges, sum to the target. A part starts
-- as c × a / Σa; the charges' residuals (a few 10^-12 each) go to the
-- group's largest target, the targets' residuals to its largest charge,
-- which takes the difference of both (Σc = Σa makes that consistent). When
-- Σa is 0 the parts start at 0 and the residuals carry everything.
--
-- The cells (charge × target) are never stored: there are as many as split
-- charges times their groups' targets (946,892 at the benchmark's million
-- line items; 97 million if split charges kept every column). What a cell
-- needs is kept per charge (focus_charges) and per target
-- (focus_group_targets); the two passes over the cells below sum them per
-- charge and per target.
-- Reads: focus_params (run_id, cost_metric), run_line_items, allocation_lineage, cluster_stats.
-- Writes: focus_charges (the origin charges, in charge_id order), focus_groups,
--         focus_targets (what each split group gave each receiver),
--         focus_group_targets (the targets of the groups that have charges,
--         with their part of the split), the lineage tables behind them, and
--         variables focus_cost_metric and focus_ratios (per gid, its targets' ratios).

-- A cell's part of its charge in the cost measure before the residuals, and its amount.
CREATE OR REPLACE TEMP MACRO focus_cell_share(cost, total, ratio_d) AS
  CASE WHEN total = 0 THEN 0::DECIMAL(38,12) ELSE CAST(cost::DOUBLE * ratio_d AS DECIMAL(38,12)) END;
CREATE OR REPLACE TEMP MACRO focus_cell_amount(share, first_t, first_i, r_i, s_t, s_all) AS
  (share + CASE
     WHEN first_t AND NOT first_i THEN r_i
     WHEN first_i AND NOT first_t THEN s_t
     WHEN first_i AND first_t THEN r_i - (s_all - s_t)
     ELSE 0 END)::DECIMAL(38,12);

-- Another summable column of a cell, split by the same ratio; the charge's
-- residual (its value less the sum of its parts) goes to the group's largest target.
CREATE OR REPLACE TEMP MACRO focus_cell_part(v, ratio) AS CAST(v::DOUBLE * ratio AS DECIMAL(38,12));
-- What a charge's parts of v leave over, given its group's ratios.
CREATE OR REPLACE TEMP MACRO focus_residual(v, ratios) AS v - list_sum(list_transform(ratios, r -> focus_cell_part(v, r)));
-- A cell's v: the charge's own where no split touched it (target t null), else its part plus, for the
-- group's largest target, the charge's residual r.
CREATE OR REPLACE TEMP MACRO focus_cell_value(v, r, t) AS
  CASE WHEN t IS NULL THEN v
       ELSE focus_cell_part(v, struct_extract(t, 'ratio')) + CASE WHEN struct_extract(t, 'largest') THEN r ELSE 0 END END;

SET VARIABLE focus_cost_metric = (SELECT cost_metric FROM focus_params);

-- Origin charges: the run's line items summed per UTC day. A direct charge
-- (its owner a team, or unallocated) keeps every column the export carries.
-- A split charge (its owner a cluster or a shared pool) is summed per split
-- group (target_kind, target_id, billing_currency) and day on the columns the
-- split leaves as they are: billing account, billing period, sub-account,
-- provider, publisher, invoice issuer, service, charge category, class and
-- frequency, region, pricing category, pricing and consumed unit and
-- commitment discount. The split reads none of the columns it sums away
-- (resource, availability zone, SKU, charge description, tags: null on its
-- rows, but for a description of what the row sums). The units stay, so
-- that every quantity is a sum in one unit and a usage row keeps the
-- PricingUnit FOCUS requires of it.
-- Numbered below (focus_charges).
CREATE OR REPLACE TEMP TABLE focus_charges_raw AS
SELECT *,
       line_item_cost((SELECT cost_metric FROM focus_params), billed_cost, effective_cost, list_cost) AS cost
FROM (
  SELECT target_kind, target_id,
         billing_account_id, billing_account_name, billing_period_start, billing_period_end,
         date_trunc('day', charge_period_start) AS day,
         min(charge_period_start) AS charge_period_start, max(charge_period_end) AS charge_period_end,
         billing_currency, charge_category, charge_class, charge_description, charge_frequency,
         provider_name, publisher_name, invoice_issuer_name, sub_account_id, sub_account_name,
         service_name, service_category, region_id, region_name, availability_zone,
         resource_id, resource_name, resource_type, sku_id, sku_price_id, pricing_category,
         pricing_unit, consumed_unit,
         commitment_discount_id, commitment_discount_type, commitment_discount_status, commitment_discount_category, tags,
         sum(billed_cost) AS billed_cost, sum(effective_cost) AS effective_cost, sum(list_cost) AS list_cost,
         sum(contracted_cost) AS contracted_cost,
         sum(pricing_quantity) AS pricing_quantity, sum(consumed_quantity) AS consumed_quantity,
         count(*) AS line_items
  FROM (
    SELECT * REPLACE (
             CASE WHEN split THEN NULL ELSE availability_zone END AS availability_zone,
             CASE WHEN split THEN NULL ELSE resource_id END AS resource_id,
             CASE WHEN split THEN NULL ELSE resource_name END AS resource_name,
             CASE WHEN split THEN NULL ELSE resource_type END AS resource_type,
             CASE WHEN split THEN NULL ELSE sku_id END AS sku_id,
             CASE WHEN split THEN NULL ELSE sku_price_id END AS sku_price_id,
             -- FOCUS: ChargeDescription SHOULD NOT be null. Built from the group's key, so it sums nothing away.
             CASE WHEN split THEN 'Split by Allot: the day''s ' || coalesce(service_name, 'unnamed service') || ' charges of '
                                  || CASE target_kind WHEN 'cluster' THEN 'cluster ' ELSE 'shared pool ' END || target_id
                  ELSE charge_description END AS charge_description,
             CASE WHEN split THEN NULL ELSE tags END AS tags)
    FROM (
      SELECT *, target_kind IN ('cluster', 'pool') AS split
      FROM run_line_items
      WHERE run_id = (SELECT run_id FROM focus_params)
    )
  )
  GROUP BY target_kind, target_id,
           billing_account_id, billing_account_name, billing_period_start, billing_period_end, day,
           billing_currency, charge_category, charge_class, charge_description, charge_frequency,
           provider_name, publisher_name, invoice_issuer_name, sub_account_id, sub_account_name,
           service_name, service_category, region_id, region_name, availability_zone,
           resource_id, resource_name, resource_type, sku_id, sku_price_id, pricing_category,
           pricing_unit, consumed_unit,
           commitment_discount_id, commitment_discount_type, commitment_discount_status, commitment_discount_category, tags
);

CREATE OR REPLACE TEMP TABLE focus_lineage AS
SELECT * FROM allocation_lineage WHERE run_id = (SELECT run_id FROM focus_params);

-- Stage 1, shared pools: what each input of a pool (a cluster's system
-- namespace or idle, or the line items sent to it directly, taken together)
-- passed to each receiver, split like the charges below (inputs as charges,
-- receivers as targets). Small: a pool has a few inputs.
CREATE OR REPLACE TEMP TABLE focus_pool_in AS
SELECT team_id AS pool, currency, CASE WHEN src LIKE 'cluster:%' THEN detail ELSE '' END AS input, sum(amount) AS amount
FROM focus_lineage WHERE target_kind = 'pool'
GROUP BY ALL;

CREATE OR REPLACE TEMP TABLE focus_pool_out AS
SELECT substr(src, 6) AS pool, currency, team_id, any_value(target_kind) AS target_kind, any_value(charge_type) AS charge_type,
       any_value(service) AS service, any_value(detail) AS detail, sum(weight) AS weight, sum(amount) AS amount
FROM focus_lineage WHERE src LIKE 'pool:%'
GROUP BY ALL;

CREATE OR REPLACE TEMP TABLE focus_pool_split AS
WITH raw AS (
  SELECT i.pool, i.currency, i.input, i.amount AS c, o.team_id, o.amount AS a,
         sum(o.amount) OVER (PARTITION BY i.pool, i.currency, i.input) AS total,
         count(*) OVER (PARTITION BY i.pool, i.currency, i.input) AS n,
         row_number() OVER (PARTITION BY i.pool, i.currency, i.input ORDER BY abs(o.amount) DESC, o.team_id) = 1 AS first_t,
         dense_rank() OVER (PARTITION BY i.pool, i.currency ORDER BY abs(i.amount) DESC, i.input) = 1 AS first_i
  FROM focus_pool_in i JOIN focus_pool_out o USING (pool, currency)
),
parts AS (
  SELECT *, CASE WHEN total = 0 THEN 0::DECIMAL(38,12) ELSE CAST(c::DOUBLE * (a::DOUBLE / total::DOUBLE) AS DECIMAL(38,12)) END AS share
  FROM raw
),
residuals AS (
  SELECT *,
         c - sum(share) OVER (PARTITION BY pool, currency, input) AS r_i,
         a - sum(share) OVER (PARTITION BY pool, currency, team_id) AS s_t,
         total - sum(share) OVER (PARTITION BY pool, currency) AS s_all
  FROM parts
)
SELECT pool, currency, input, team_id,
       (share + CASE
          WHEN first_t AND NOT first_i THEN r_i
          WHEN first_i AND NOT first_t THEN s_t
          WHEN first_i AND first_t THEN r_i - (s_all - s_t)
          ELSE 0 END)::DECIMAL(38,12) AS amount
FROM residuals;

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

-- The split groups that have both charges and targets, numbered (gid).
CREATE OR REPLACE TEMP TABLE focus_groups AS
SELECT row_number() OVER (ORDER BY kind, owner, currency)::INTEGER AS gid, *
FROM (
  SELECT c.target_kind AS kind, c.target_id AS owner, c.billing_currency AS currency, sum(c.cost) AS charges, count(*) AS n_charges
  FROM focus_charges_raw c
  SEMI JOIN focus_targets t ON t.kind = c.target_kind AND t.owner = c.target_id AND t.currency = c.billing_currency
  GROUP BY ALL
);

-- The targets of those groups: each one's ratio of the group, and what every
-- row it gets in the file carries (AllocatedMethodDetails, AllocatedTags,
-- AllocatedResource*: the same for all of the group's charges), in the
-- file's order within a charge (tord).
CREATE OR REPLACE TEMP TABLE focus_group_targets AS
WITH t AS (
  SELECT g.gid, t.*,
         sum(t.amount) OVER (PARTITION BY g.gid) AS total,
         count(*) OVER (PARTITION BY g.gid) AS n,
         row_number() OVER (PARTITION BY g.gid ORDER BY abs(t.amount) DESC, t.target) = 1 AS first_t,
         -- A namespace's usage part: its CPU and memory shares of the charge (the cluster's CPU and
         -- memory cost times the namespace's share of each resource), from the period's usage.
         t.cpu_cost::DOUBLE * t.cpu_core_hours::DOUBLE / nullif(t.cpu_basis::DOUBLE, 0) AS cpu_part,
         t.mem_cost::DOUBLE * t.mem_gib_hours::DOUBLE / nullif(t.mem_basis::DOUBLE, 0) AS mem_part
  FROM focus_targets t JOIN focus_groups g USING (kind, owner, currency)
),
r AS (
  SELECT *,
         CASE WHEN total = 0 THEN 1.0 / n ELSE amount::DOUBLE / total::DOUBLE END AS ratio,
         amount::DOUBLE / nullif(total::DOUBLE, 0) AS ratio_d,
         CASE
           WHEN method_id IN ('allot/cluster-usage') THEN cluster || '/' || namespace
           WHEN method_id LIKE 'allot/shared-%' AND team_id <> 'unallocated' THEN 'pool/' || pool
         END AS resource_id,
         CASE
           WHEN method_id IN ('allot/cluster-usage') THEN namespace
           WHEN method_id LIKE 'allot/shared-%' AND team_id <> 'unallocated' THEN pool_name
         END AS resource_name
  FROM t
)
SELECT gid, target, amount, total, ratio, ratio_d, first_t,
       row_number() OVER (PARTITION BY gid ORDER BY ratio DESC, target) = 1 AS largest,
       row_number() OVER (PARTITION BY gid ORDER BY method_id, team_id, resource_id NULLS FIRST, charge_type, cluster, namespace, target) AS tord,
       team_id, charge_type, service, method_id, resource_id, resource_name,
       CASE
         WHEN method_id = 'allot/cluster-usage' AND coalesce(cpu_part, 0) + coalesce(mem_part, 0) > 0 THEN json_object('Elements', json_array(
           json_object('AllocatedRatio', ratio * coalesce(cpu_part, 0) / (coalesce(cpu_part, 0) + coalesce(mem_part, 0)),
                       'UsageUnit', 'Core-Hours', 'UsageQuantity', cpu_core_hours::DOUBLE),
           json_object('AllocatedRatio', ratio * coalesce(mem_part, 0) / (coalesce(cpu_part, 0) + coalesce(mem_part, 0)),
                       'UsageUnit', 'GiB-Hours', 'UsageQuantity', mem_gib_hours::DOUBLE)))
         WHEN weight IS NOT NULL THEN json_object('Elements', json_array(
           json_object('AllocatedRatio', ratio, 'x_Weight', weight::DOUBLE, 'x_TotalWeight', total_weight::DOUBLE)))
         ELSE json_object('Elements', json_array(json_object('AllocatedRatio', ratio)))
       END::VARCHAR AS details,
       json_merge_patch('{}', json_object(
         'allot/team', team_id, 'allot/charge-type', charge_type, 'allot/cluster', cluster,
         'allot/namespace', namespace, 'allot/pool', pool, 'allot/pool-input', via))::VARCHAR AS allocated_tags
FROM r;

-- Each group's ratios, as lists: a charge's parts are computed from them
-- without a join (pass 1 below).
SET VARIABLE focus_ratios = (
  SELECT coalesce(list(r ORDER BY gid), [])
  FROM (
    SELECT gid, {'zero': any_value(total) = 0, 'ratio_d': list(ratio_d ORDER BY target), 'ratio': list(ratio ORDER BY target)} AS r
    FROM focus_group_targets GROUP BY gid
  )
);

-- The charges numbered in an order every column takes part in (so that the
-- file is the same each time), stored in that order (the file's), with their
-- group, the columns every row of a charge carries as the file has them, and
-- pass 1 over the cells: a split charge's residual in the cost measure (r_i)
-- and in each other summable column (what its parts leave over).
CREATE OR REPLACE TEMP TABLE focus_charges AS
SELECT row_number() OVER () AS charge_id, *
FROM (
  SELECT c.*, g.gid,
         CASE WHEN getvariable('focus_ratios')[g.gid].zero THEN c.cost
              ELSE focus_residual(c.cost, getvariable('focus_ratios')[g.gid].ratio_d) END AS r_i,
         -- (The cost measure's own column is the cell's amount: no residual of its own.)
         CASE WHEN getvariable('focus_cost_metric') <> 'BilledCost' THEN
           focus_residual(c.billed_cost, getvariable('focus_ratios')[g.gid].ratio) END AS billed_cost_r,
         CASE WHEN getvariable('focus_cost_metric') IN ('BilledCost', 'ListCost') THEN
           focus_residual(c.effective_cost, getvariable('focus_ratios')[g.gid].ratio) END AS effective_cost_r,
         CASE WHEN getvariable('focus_cost_metric') <> 'ListCost' THEN
           focus_residual(c.list_cost, getvariable('focus_ratios')[g.gid].ratio) END AS list_cost_r,
         focus_residual(c.contracted_cost, getvariable('focus_ratios')[g.gid].ratio) AS contracted_cost_r,
         focus_residual(c.pricing_quantity, getvariable('focus_ratios')[g.gid].ratio) AS pricing_quantity_r,
         focus_residual(c.consumed_quantity, getvariable('focus_ratios')[g.gid].ratio) AS consumed_quantity_r,
         coalesce(c.target_id, 'unallocated') AS x_team,
         CASE c.target_kind WHEN 'team' THEN 'direct' ELSE 'unallocated' END AS x_charge_type,
         coalesce(nullif(c.service_name, ''), 'Unknown service') AS x_service,
         CASE WHEN cardinality(c.tags) > 0 THEN to_json(c.tags)::VARCHAR END AS tags_json
  FROM focus_charges_raw c
  LEFT JOIN focus_groups g ON g.kind = c.target_kind AND g.owner = c.target_id AND g.currency = c.billing_currency
  ORDER BY day, billing_currency, target_kind, target_id, service_name, resource_id, sku_id, charge_description,
           sub_account_id, billing_account_id, charge_category, sku_price_id, pricing_unit, consumed_unit,
           region_id, availability_zone, tags, charge_class, charge_frequency, pricing_category, service_category,
           commitment_discount_id, commitment_discount_type, commitment_discount_status, commitment_discount_category,
           billing_period_start, billing_period_end, billing_account_name, sub_account_name, provider_name,
           publisher_name, invoice_issuer_name, region_name, resource_name, resource_type
);

DROP TABLE focus_charges_raw;

-- Each group's largest charge (largest |cost|, then the lowest id): it takes the targets' residuals.
CREATE OR REPLACE TEMP TABLE focus_group_targets AS
SELECT t.*, f.first_charge
FROM focus_group_targets t
JOIN (SELECT gid, first(charge_id ORDER BY abs(cost) DESC, charge_id) AS first_charge FROM focus_charges WHERE gid IS NOT NULL GROUP BY gid) f USING (gid);

-- Pass 2 over the cells, per target: the sum of its parts before the
-- residuals (s_t is what they leave over), and what its cells of every
-- charge but the group's first add up to, with the largest of them (the
-- first charge's cell depends on s_t; it is added after).
CREATE OR REPLACE TEMP TABLE focus_target_sums AS
SELECT gid, target, sum(share) AS shares,
       sum(amount) FILTER (WHERE charge_id <> first_charge) AS rest,
       arg_max({'id': charge_id, 'amount': amount}, {'abs': abs(amount), 'id': -charge_id}) FILTER (WHERE charge_id <> first_charge) AS best_rest
FROM (
  SELECT *, focus_cell_amount(share, first_t, false, r_i, NULL, NULL) AS amount
  FROM (
    SELECT c.charge_id, c.r_i, t.gid, t.target, t.first_charge, t.first_t, focus_cell_share(c.cost, t.total, t.ratio_d) AS share
    FROM focus_charges c JOIN focus_group_targets t ON t.gid = c.gid
  )
)
GROUP BY gid, target;

CREATE OR REPLACE TEMP TABLE focus_group_targets AS
WITH s AS (
  SELECT t.*, s.shares, s.rest, s.best_rest, c.cost AS first_cost, c.r_i AS first_r_i,
         t.amount - s.shares AS s_t,
         t.total - sum(s.shares) OVER (PARTITION BY t.gid) AS s_all
  FROM focus_group_targets t
  JOIN focus_target_sums s USING (gid, target)
  JOIN focus_charges c ON c.charge_id = t.first_charge
)
SELECT * EXCLUDE (shares, rest, best_rest, first_cost, first_r_i, first_amount),
       coalesce(rest, 0) + first_amount AS sum_amount,
       CASE WHEN best_rest IS NULL OR abs(first_amount) > abs(best_rest.amount)
                 OR (abs(first_amount) = abs(best_rest.amount) AND first_charge < best_rest.id)
            THEN first_charge ELSE best_rest.id END AS best_charge,
       CASE WHEN best_rest IS NULL OR abs(first_amount) > abs(best_rest.amount)
                 OR (abs(first_amount) = abs(best_rest.amount) AND first_charge < best_rest.id)
            THEN first_amount ELSE best_rest.amount END AS best_amount
FROM (SELECT *, focus_cell_amount(focus_cell_share(first_cost, total, ratio_d), first_t, true, first_r_i, s_t, s_all) AS first_amount FROM s);

DROP TABLE focus_target_sums;
