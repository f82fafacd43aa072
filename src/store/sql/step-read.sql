-- One step of a pipeline run (migration 004).
-- $1 VARCHAR  step id (`monthly-2026-10-attribute`)
-- Returns: step_id, status, marks (JSON text), result (JSON text or NULL), attempts
SELECT step_id, status, marks::VARCHAR AS marks, result::VARCHAR AS result, attempts FROM job_steps WHERE step_id = $1;
