-- The run a team report reads, and whether its period is closed with it.
-- $1 INTEGER  run id
-- $2 VARCHAR  period (YYYY-MM)
-- Returns: cost_metric, closed
SELECT cost_metric, EXISTS (SELECT 1 FROM period_closes WHERE period = $2 AND status = 'closed' AND run_id = $1) AS closed
FROM allocation_runs WHERE run_id = $1;
