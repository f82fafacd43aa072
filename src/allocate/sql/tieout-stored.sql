-- What the store holds of a billing period's bill: BilledCost of the current
-- line items whose billing period starts in the month, per billing account,
-- currency and invoice id (NULL when the rows name none).
-- $1 TIMESTAMP  first day of the billing period
-- $2 TIMESTAMP  first day of the next month
-- Returns: billing_account_id, provider, currency, invoice_id, rows, billed (exact decimal text)
SELECT billing_account_id, min(provider_name) AS provider, billing_currency AS currency, invoice_id,
       count(*)::VARCHAR AS rows, sum(billed_cost)::VARCHAR AS billed
FROM line_items
WHERE superseded_by IS NULL AND billing_period_start >= $1 AND billing_period_start < $2
GROUP BY billing_account_id, billing_currency, invoice_id
ORDER BY billing_account_id, currency, invoice_id NULLS FIRST;
