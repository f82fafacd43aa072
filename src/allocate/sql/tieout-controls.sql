-- Control totals on file for a billing period, from outside the line items:
-- invoices (`allot ingest invoices`) and Cost Explorer's monthly totals
-- (`allot tieout aws-ce`); replaced ones are left out.
-- $1 VARCHAR  billing period (YYYY-MM)
-- Returns: kind, provider, billing_account_id, currency, invoice_id ('' for none), amount, file, line
SELECT kind, provider, billing_account_id, currency, invoice_id, amount::VARCHAR AS amount, file, line::INTEGER AS line
FROM control_totals
WHERE billing_period = $1 AND replaced_at IS NULL
ORDER BY billing_account_id, currency, kind, invoice_id;
