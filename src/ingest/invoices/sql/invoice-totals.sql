-- Per billing account, period and currency: the invoices one file recorded and their total.
-- $1 VARCHAR the file  $2 VARCHAR when it was recorded (ISO 8601)
-- Returns: billing_account_id, billing_period, currency, invoices (JSON array of invoice ids, '' for none), amount (decimal text)
SELECT billing_account_id, billing_period, currency, to_json(list(invoice_id ORDER BY invoice_id))::VARCHAR AS invoices, sum(amount)::VARCHAR AS amount
FROM control_totals WHERE kind = 'invoice' AND replaced_at IS NULL AND file = $1 AND recorded_at = $2::TIMESTAMP
GROUP BY ALL ORDER BY ALL;
