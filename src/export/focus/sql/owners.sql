-- Whether a run still has its per-class owners (kept for a period's latest run only).
-- $1 INTEGER run id
-- Returns: ok (no row: it has none)
SELECT 1 AS ok FROM class_owners WHERE run_id = $1 LIMIT 1;
