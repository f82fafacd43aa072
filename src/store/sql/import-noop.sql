-- Logs an import that changed nothing (the same content again, or an empty pull), under a new import id.
-- $1 VARCHAR source  $2 VARCHAR file (or import key)  $3 VARCHAR content SHA-256 (NULL: a pull)  $4 VARCHAR format  $5 VARCHAR note
-- Returns: id (the new import id)
INSERT INTO imports (import_id, source, file, content_sha256, format, rows_read, rows_loaded, rows_rejected, status, note, started_at, finished_at)
VALUES (nextval('import_id_seq'), $1, $2, $3, $4, 0, 0, 0, 'noop', $5, now()::TIMESTAMP, now()::TIMESTAMP) RETURNING import_id AS id;
