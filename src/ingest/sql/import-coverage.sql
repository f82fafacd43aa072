-- What one import's rows cover: the (billing account, billing period) keys and their row counts.
-- $1 INTEGER  the import id
-- Returns: billing_account_id, billing_period_start (ISO 8601 text), rows (text).
SELECT billing_account_id, strftime(billing_period_start, '%Y-%m-%dT%H:%M:%SZ') AS billing_period_start, count(*)::VARCHAR AS rows
FROM line_items WHERE import_id = $1
GROUP BY ALL ORDER BY ALL;
