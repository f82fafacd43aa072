-- Records control totals of one kind, each current until another of its kind, account, period and
-- currency replaces it.
-- $1 VARCHAR kind  $2 VARCHAR the totals: a JSON array of {provider, billing_account_id, billing_period,
--    currency, invoice_id ('' when none), amount (decimal text), file (or the pull), line (null for a pull)}
-- $3 VARCHAR when (ISO 8601)
-- Returns: nothing
INSERT INTO control_totals
SELECT $1, t.provider, t.billing_account_id, t.billing_period, t.currency, t.invoice_id, t.amount::DECIMAL(38,12), t.file, t.line,
       $3::TIMESTAMP, NULL
FROM (SELECT unnest(from_json($2, '[{"provider": "VARCHAR", "billing_account_id": "VARCHAR", "billing_period": "VARCHAR", "currency": "VARCHAR", "invoice_id": "VARCHAR", "amount": "VARCHAR", "file": "VARCHAR", "line": "BIGINT"}]')) AS t);
