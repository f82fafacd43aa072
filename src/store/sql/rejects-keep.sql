-- Keeps an import's invalid rows in rejects, in line order.
-- $1 INTEGER import id
-- Reads: stage_rejects (the importer's temp table: line, column_name, reason, raw, billing_account_id,
-- billing_period, currency, billed_cost)
-- Returns: nothing
INSERT INTO rejects (import_id, source_line, column_name, reason, raw, billing_account_id, billing_period, currency, billed_cost)
SELECT $1, line, column_name, reason, raw, billing_account_id, billing_period, currency, billed_cost FROM stage_rejects ORDER BY line;
