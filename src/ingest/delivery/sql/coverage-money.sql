-- BilledCost before (dlv_old) and after (dlv_new) the delivery, per billing
-- account, billing period and currency.
-- Returns: side (old | new), billing_account_id, billing_period (YYYY-MM), currency, amount (text).
WITH sides AS (SELECT 'old' AS side, * FROM dlv_old UNION ALL BY NAME SELECT 'new' AS side, * FROM dlv_new)
SELECT side, billing_account_id, strftime(billing_period_start, '%Y-%m') AS billing_period, billing_currency AS currency,
       sum(billed)::VARCHAR AS amount
FROM sides GROUP BY ALL ORDER BY ALL;
