-- Whether a run still has its line items' owners (kept for a period's latest run only).
-- $1 INTEGER run id
-- Returns: n
SELECT count(*)::INTEGER AS n FROM (SELECT 1 FROM class_owners WHERE run_id = $1 LIMIT 1);
