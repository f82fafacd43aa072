-- Logs an import that wrote rows: active (current until another replaces
-- it), or pending until its delivery is recorded (src/ingest/delivery/).
-- $1 INTEGER import id  $2 VARCHAR source  $3 VARCHAR file (or import key)  $4 VARCHAR content SHA-256 (NULL: a pull)
-- $5 VARCHAR format  $6 rows read  $7 rows loaded  $8 rows rejected  $9 VARCHAR coverage (JSON text)
-- $10 VARCHAR note (NULL: none)  $11 BIGINT started, $12 BIGINT finished (Unix microseconds)  $13 VARCHAR status
-- Returns: nothing
INSERT INTO imports (import_id, source, file, content_sha256, format, rows_read, rows_loaded, rows_rejected, coverage, status, note, started_at, finished_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::JSON, $13, $10, make_timestamp($11::BIGINT), make_timestamp($12::BIGINT));
