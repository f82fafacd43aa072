-- Per month of the charge period (YYYY-MM), how many rows a pull staged.
-- No parameters.
-- Returns: period, rows
SELECT strftime(charge_period_start, '%Y-%m') AS period, count(*)::VARCHAR AS rows FROM stage_line_items GROUP BY ALL ORDER BY ALL;
