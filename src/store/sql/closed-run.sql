-- The run a period is closed with.
-- $1 VARCHAR period
-- Returns: run_id (no row: the period is not closed)
SELECT run_id FROM period_closes WHERE period = $1 AND status = 'closed';
