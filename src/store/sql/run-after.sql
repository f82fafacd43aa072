-- The newest run of a period after a given run id (a run a dead worker committed).
-- $1 VARCHAR period  $2 INTEGER run id
-- Returns: run_id, line_items (no row: none)
SELECT run_id, line_items::VARCHAR AS line_items FROM allocation_runs WHERE period = $1 AND run_id > $2 ORDER BY run_id DESC LIMIT 1;
