-- Every period's close: its status, run, date, and the tie-out status it was closed with.
-- Returns: period, status, run_id, closed_at (YYYY-MM-DD), tieout (ties | differs | incomplete | NULL)
SELECT period, status, run_id, strftime(closed_at, '%Y-%m-%d') AS closed_at, tieout->>'status' AS tieout FROM period_closes ORDER BY period;
