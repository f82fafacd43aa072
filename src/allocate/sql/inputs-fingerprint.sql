-- What a computed run read: the imports of its line items and snapshots, as text to hash.
-- Reads: items, current_snapshots
-- Returns: fp
SELECT coalesce((SELECT string_agg(DISTINCT import_id::VARCHAR, ',' ORDER BY import_id::VARCHAR) FROM line_items l JOIN items USING (li_id)), '')
       || '|' || coalesce((SELECT string_agg(DISTINCT import_id::VARCHAR, ',' ORDER BY import_id::VARCHAR) FROM current_snapshots), '') AS fp;
