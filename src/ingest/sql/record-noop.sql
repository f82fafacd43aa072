-- Records a re-import of content already stored: nothing changes but the log.
-- $1 source, $2 file, $3 content_sha256, $4 format, $5 note
-- Returns: id (the new import's id).
INSERT INTO imports (import_id, source, file, content_sha256, format, rows_read, rows_loaded, rows_rejected, status, note, started_at, finished_at)
VALUES (nextval('import_id_seq'), $1, $2, $3, $4, 0, 0, 0, 'noop', $5, now()::TIMESTAMP, now()::TIMESTAMP)
RETURNING import_id AS id;
