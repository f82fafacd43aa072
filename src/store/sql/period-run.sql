-- The run that speaks for a period: the one it was closed with, else its latest (period_run_id, migration 011).
-- $1 VARCHAR period
-- Returns: run_id (NULL: the period has no run)
SELECT period_run_id($1) AS run_id;
