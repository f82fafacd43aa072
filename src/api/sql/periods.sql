-- The periods with an allocation run, newest first: the run that speaks for
-- each (closed, else latest), whether it is closed, and how many runs it had.
-- Returns: period, run_id, closed, runs
WITH p AS (SELECT period AS month, count(*)::INTEGER AS runs FROM allocation_runs GROUP BY 1)
SELECT month AS period, period_run_id(month) AS run_id,
       EXISTS (SELECT 1 FROM period_closes c WHERE c.period = p.month AND c.status = 'closed') AS closed, runs
FROM p ORDER BY month DESC;
