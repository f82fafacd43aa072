-- The run of a period whose per-line-item ownership is kept (the latest that has it).
-- $1 VARCHAR period
-- Returns: run_id (NULL: none)
SELECT max(run_id)::INTEGER AS run_id FROM class_owners
WHERE run_id IN (SELECT run_id FROM allocation_runs WHERE period = $1);
