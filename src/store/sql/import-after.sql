-- The newest import of an import key after a given import id (a pull a dead worker committed).
-- $1 VARCHAR import key (imports.file)  $2 INTEGER import id
-- Returns: import_id, status, rows (no row: none)
SELECT import_id, status, rows_loaded::VARCHAR AS rows FROM imports WHERE file = $1 AND import_id > $2 ORDER BY import_id DESC LIMIT 1;
