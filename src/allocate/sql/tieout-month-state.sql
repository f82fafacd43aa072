-- Where a month of the tie-out stands: closed, attributed since its last
-- import, or not.
-- $1 VARCHAR  the period (YYYY-MM)
-- $2 TIMESTAMP  first day of the billing period; $3 TIMESTAMP  first day of the next month
-- Returns: closed, fresh (BOOLEAN).
SELECT EXISTS (SELECT 1 FROM period_closes WHERE period = $1 AND status = 'closed') AS closed,
       coalesce((SELECT max(finished_at) FROM allocation_runs WHERE period = $1) >=
                (SELECT max(i.finished_at) FROM line_items l JOIN imports i USING (import_id)
                 WHERE l.superseded_by IS NULL AND l.period = $1 AND l.billing_period_start >= $2 AND l.billing_period_start < $3), false) AS fresh;
