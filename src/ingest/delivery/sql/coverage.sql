-- What the rows before (dlv_old) and after (dlv_new) the delivery cover, per
-- billing account and billing period.
-- Returns: side (old | new), billing_account_id, billing_period (YYYY-MM),
--          rows, charge_days, sub_accounts (as text).
WITH sides AS (SELECT 'old' AS side, * FROM dlv_old UNION ALL BY NAME SELECT 'new' AS side, * FROM dlv_new)
SELECT side, billing_account_id, strftime(billing_period_start, '%Y-%m') AS billing_period, sum(n)::VARCHAR AS rows,
       count(DISTINCT day)::VARCHAR AS charge_days, count(DISTINCT sub_account_id)::VARCHAR AS sub_accounts
FROM sides GROUP BY ALL ORDER BY ALL;
