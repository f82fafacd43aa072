-- The newest delivery (not a no-op) of each source and export, and when it came.
-- Returns: source, export_key, delivery_id, layout, mode, parts, rows, status, imported_at, delivered_at, ref
SELECT source, export_key, delivery_id, layout, mode, parts, rows_loaded::VARCHAR AS rows, status,
       strftime(imported_at, '%Y-%m-%d %H:%M') AS imported_at, strftime(delivered_at, '%Y-%m-%d %H:%M') AS delivered_at, delivery_ref AS ref
FROM deliveries WHERE status <> 'noop'
QUALIFY row_number() OVER (PARTITION BY source, export_key ORDER BY delivery_id DESC) = 1
ORDER BY source, export_key;
