-- The first earlier import of the same content from the same source.
-- $1 VARCHAR  source; $2 VARCHAR  SHA-256 of the content
-- Returns: import_id, rows_read, rows_loaded, rows_rejected (counts as text); no row for new content.
SELECT import_id, rows_read::VARCHAR AS rows_read, rows_loaded::VARCHAR AS rows_loaded, rows_rejected::VARCHAR AS rows_rejected
FROM imports WHERE source = $1 AND content_sha256 = $2 AND status <> 'noop'
ORDER BY import_id LIMIT 1;
