-- The last day with billing data in the newest period that has a run: the
-- day before the latest end of a current line item's charge period (ends are
-- exclusive).
-- Returns: date (YYYY-MM-DD, or NULL with no run)
WITH p AS (SELECT max(period) AS period FROM allocation_runs)
SELECT strftime(max(l.charge_period_end) - INTERVAL 1 MICROSECOND, '%Y-%m-%d') AS date
FROM line_items l, p
WHERE l.period = p.period AND l.superseded_by IS NULL;
