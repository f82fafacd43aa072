-- The latest run of each period, its totals and % allocated per currency.
-- Returns: period, run_id, finished_at, total ("amount CUR, …"), allocated_pct ("97.17%, …")
WITH latest AS (SELECT period, max(run_id) AS run_id FROM allocation_runs GROUP BY period)
SELECT l.period, l.run_id, strftime(r.finished_at, '%Y-%m-%d %H:%M:%S') AS finished_at,
       string_agg(c.total || ' ' || c.currency, ', ') AS total,
       string_agg(c.pct::VARCHAR || '%', ', ') AS allocated_pct
FROM latest l JOIN allocation_runs r USING (run_id)
JOIN (SELECT run_id, currency, sum(amount)::VARCHAR AS total,
             (100 * sum(abs(amount)) FILTER (WHERE team_id <> 'unallocated') / nullif(sum(abs(amount)), 0))::DECIMAL(6,2) AS pct
      FROM chargeback_rows GROUP BY ALL) c USING (run_id)
GROUP BY ALL ORDER BY l.period;
