-- A period's close record, closed or reopened.
-- $1 VARCHAR period
-- Returns: period, run_id, status, csv_sha256, rows, closed_at (ISO 8601, UTC), tieout (JSON text, NULL before tie-outs); no row: never closed
SELECT period, run_id, status, csv_sha256, rows::INTEGER AS rows, strftime(closed_at, '%Y-%m-%dT%H:%M:%SZ') AS closed_at, tieout::VARCHAR AS tieout
FROM period_closes WHERE period = $1;
