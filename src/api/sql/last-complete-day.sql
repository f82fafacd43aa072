-- The last day with billing data in the newest period that has a run: the
-- latest start of a charge that covers at most one day (hourly and daily
-- usage). Monthly charges (fees, tax, commitments) span the whole month and
-- would claim days nobody has billed yet.
-- Returns: date (YYYY-MM-DD, or NULL with no run)
WITH p AS (SELECT max(period) AS period FROM allocation_runs)
SELECT strftime(max(l.charge_period_start), '%Y-%m-%d') AS date
FROM line_items l, p
WHERE l.period = p.period AND l.superseded_by IS NULL
  AND l.charge_period_end <= l.charge_period_start + INTERVAL 1 DAY;
