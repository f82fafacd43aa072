-- The closed periods before a period whose late data it books as adjustments:
-- those with no open period with data between them and it (that one books it).
-- $1 VARCHAR  the period being attributed
-- Returns: period, run_id, config_snapshot (JSON text) of the close
SELECT c.period, c.run_id, r.config_snapshot::VARCHAR AS config_snapshot
FROM period_closes c JOIN allocation_runs r USING (run_id)
WHERE c.status = 'closed' AND c.period < $1
  AND NOT EXISTS (
    SELECT 1 FROM (SELECT DISTINCT period FROM line_items WHERE superseded_by IS NULL) x
    WHERE x.period > c.period AND x.period < $1
      AND x.period NOT IN (SELECT period FROM period_closes WHERE status = 'closed'))
ORDER BY c.period;
