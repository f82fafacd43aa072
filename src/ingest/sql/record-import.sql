-- Records an import whose rows are in, pending until its delivery is recorded.
-- $1 import_id, $2 source, $3 file, $4 content_sha256, $5 format, $6 rows_read, $7 rows_loaded, $8 rows_rejected, $9 coverage (JSON)
INSERT INTO imports (import_id, source, file, content_sha256, format, rows_read, rows_loaded, rows_rejected, coverage, status, note, started_at, finished_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::JSON, 'pending', NULL, now()::TIMESTAMP, now()::TIMESTAMP);
