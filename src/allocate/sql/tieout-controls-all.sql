-- tieout-controls.sql for every billing period at once (allot status).
-- Returns: billing_period, kind, provider, billing_account_id, currency, invoice_id, amount, file, line
SELECT billing_period, kind, provider, billing_account_id, currency, invoice_id, amount::VARCHAR AS amount, file, line::INTEGER AS line
FROM control_totals
WHERE replaced_at IS NULL
ORDER BY billing_period, billing_account_id, currency, kind, invoice_id;
