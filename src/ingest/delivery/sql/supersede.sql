-- The rows the delivery replaces are marked with it.
-- $1 INTEGER  the delivery id
-- Reads: dlv_scope, dlv_old_imports.
UPDATE line_items l SET superseded_by = $1 FROM dlv_scope s
WHERE l.superseded_by IS NULL AND l.billing_account_id = s.billing_account_id AND l.billing_period_start = s.billing_period_start
  AND l.import_id IN (SELECT import_id FROM dlv_old_imports);
