-- What every team's daily chart and hygiene block read of the line items of
-- one run, summed once for all teams (per team, each was a pass over every
-- line item of the month).
-- Reads: owner_sums_params (owners_run, cost_metric), run_line_items.
-- Writes: owner_daily (src 'kind:id', currency, day, cost), owner_unknown_tags
--         (account, tag, currency, amount, line_items).

CREATE OR REPLACE TEMP TABLE owner_daily AS
SELECT l.target_kind || ':' || l.target_id AS src, l.billing_currency AS currency, l.charge_period_start::DATE AS day,
       sum(line_item_cost(p.cost_metric, l.billed_cost, l.effective_cost, l.list_cost)) AS cost
FROM run_line_items l, owner_sums_params p
WHERE l.run_id = p.owners_run AND l.target_kind IN ('team', 'cluster', 'pool')
GROUP BY ALL;

CREATE OR REPLACE TEMP TABLE owner_unknown_tags AS
SELECT l.sub_account_id AS account, substr(l.detail, 5) AS tag, l.billing_currency AS currency,
       sum(line_item_cost(p.cost_metric, l.billed_cost, l.effective_cost, l.list_cost)) AS amount, count(*) AS line_items
FROM run_line_items l, owner_sums_params p
WHERE l.run_id = p.owners_run AND l.target_kind = 'unallocated' AND l.basis = 'tag'
GROUP BY ALL;
