-- tieout-stored.sql for every billing period at once (allot status).
-- Returns: billing_period, billing_account_id, provider, currency, invoice_id, rows, billed (exact decimal text)
SELECT strftime(billing_period_start, '%Y-%m') AS billing_period, billing_account_id, min(provider_name) AS provider,
       billing_currency AS currency, invoice_id, count(*)::VARCHAR AS rows, sum(billed_cost)::VARCHAR AS billed
FROM line_items
WHERE superseded_by IS NULL
GROUP BY ALL
ORDER BY billing_period, billing_account_id, currency, invoice_id NULLS FIRST;
