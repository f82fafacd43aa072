-- A run's cost measure, when it finished, the run whose line-item owners are
-- kept for its period, and the last day of the period with any line item.
-- $1 INTEGER run id
-- Returns: period, cost_metric, finished_at (ISO), owners_run (NULL: none), last_day (0: no line items)
SELECT a.period, a.cost_metric, strftime(a.finished_at, '%Y-%m-%dT%H:%M:%SZ') AS finished_at,
       (SELECT max(o.run_id) FROM class_owners o WHERE o.run_id IN (SELECT run_id FROM allocation_runs WHERE period = a.period))::INTEGER AS owners_run,
       coalesce((SELECT max(date_part('day', l.charge_period_start)) FROM line_items l
                 WHERE l.period = a.period AND l.import_id <= a.input_seq AND (l.superseded_by IS NULL OR l.superseded_by > a.input_seq)), 0)::INTEGER AS last_day
FROM allocation_runs a WHERE a.run_id = $1;
