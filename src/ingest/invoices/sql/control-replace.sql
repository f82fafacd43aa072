-- Marks the current control totals of one kind for a billing account, period and currency replaced.
-- $1 VARCHAR kind ('invoice', 'aws-ce')  $2 VARCHAR billing account  $3 VARCHAR billing period  $4 VARCHAR currency
-- $5 VARCHAR when (ISO 8601)
-- Returns: one row per total replaced
UPDATE control_totals SET replaced_at = $5::TIMESTAMP
WHERE kind = $1 AND replaced_at IS NULL AND billing_account_id = $2 AND billing_period = $3 AND currency = $4
RETURNING 1 AS replaced;
