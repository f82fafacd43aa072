-- The newest imports.
-- $1 INTEGER  how many
-- Returns: import_id, source, file, rows_loaded, status, finished_at, note
SELECT import_id, source, file, rows_loaded::VARCHAR AS rows_loaded, status,
       strftime(finished_at, '%Y-%m-%d %H:%M:%S') AS finished_at, note
FROM imports ORDER BY import_id DESC LIMIT $1;
