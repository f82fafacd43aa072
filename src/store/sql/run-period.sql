-- The period of a stored run.
-- $1 INTEGER run id
-- Returns: period (no row: no such run)
SELECT period FROM allocation_runs WHERE run_id = $1;
