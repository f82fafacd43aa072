-- A run's cost measure.
-- $1 INTEGER run id
-- Returns: run_id, cost_metric
SELECT run_id, cost_metric FROM allocation_runs WHERE run_id = $1;
