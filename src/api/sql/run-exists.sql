-- Whether a run exists.
-- $1 INTEGER run id
-- Returns: ok (no row: it does not)
SELECT 1 AS ok FROM allocation_runs WHERE run_id = $1;
