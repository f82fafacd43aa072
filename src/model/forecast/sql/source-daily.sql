-- The cost of a run's line items per owner (team, cluster, pool), service,
-- day and kind, the series a forecast projects. A line item is 'one-off'
-- when it does not recur day after day: a purchase, tax, credit or
-- adjustment (unless it is a recurring fee charged per day or hour, like a
-- Savings Plan's), and anything charged One-Time. Everything else is 'usage'.
-- $1 INTEGER run id (whose owners are kept)   $2 VARCHAR cost metric
-- Returns: src ('team:x', 'cluster:x', 'pool:x'), service, currency, day (1-31), kind, estimated, cost (exact text)
SELECT l.target_kind || ':' || l.target_id AS src,
       coalesce(nullif(l.service_name, ''), 'Unknown service') AS service,
       l.billing_currency AS currency,
       date_part('day', l.charge_period_start)::INTEGER AS day,
       CASE WHEN coalesce(l.charge_frequency, '') = 'One-Time' THEN 'one-off'
            WHEN l.charge_category IN ('Purchase', 'Tax', 'Credit', 'Adjustment')
                 AND NOT (coalesce(l.charge_frequency, '') = 'Recurring' AND l.charge_period_end - l.charge_period_start <= INTERVAL 1 DAY) THEN 'one-off'
            ELSE 'usage' END AS kind,
       bool_or(coalesce(l.extra->>'x_Estimated', '') = 'true') AS estimated,
       sum(line_item_cost($2, l.billed_cost, l.effective_cost, l.list_cost))::VARCHAR AS cost
FROM run_line_items l
WHERE l.run_id = $1 AND l.target_kind IN ('team', 'cluster', 'pool')
GROUP BY ALL;
