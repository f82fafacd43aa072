-- Whether a run belongs to a period.
-- $1 INTEGER run id   $2 VARCHAR period
-- Returns: ok (no row: it does not)
SELECT 1 AS ok FROM allocation_runs WHERE run_id = $1 AND period = $2;
