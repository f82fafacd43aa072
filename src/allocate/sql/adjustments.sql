-- Corrections of a closed period, booked in the first open period after it.
-- Runs right after the closed period was recomputed from today's data (with
-- the config it was closed with): exact_rows holds what the period would be
-- now. An adjustment is that, minus what was closed, minus corrections already
-- booked in other closed periods — per team, charge type, service, currency.
-- Reads: exact_rows, adjustment_params, allocations, period_closes.
-- Writes: pending_adjustments (appends).

INSERT INTO pending_adjustments
WITH p AS (SELECT * FROM adjustment_params),
now AS (
  SELECT team_id, service || ' (' || charge_type || ', ' || p.period || ')' AS service, currency, amount, line_items
  FROM exact_rows, p
),
was AS (
  SELECT a.team_id, a.service || ' (' || a.charge_type || ', ' || p.period || ')' AS service, a.currency, a.amount
  FROM allocations a, p
  WHERE a.run_id = p.closed_run_id AND a.charge_type <> 'adjustment'
),
booked AS (
  SELECT a.team_id, a.service, a.currency, a.amount
  FROM allocations a
  JOIN period_closes c ON c.run_id = a.run_id AND c.status = 'closed'
  CROSS JOIN p
  WHERE a.charge_type = 'adjustment' AND a.corrects_period = p.period
)
SELECT team_id, service, currency, sum(amount) AS amount, max(line_items) AS line_items, any_value(p.period) AS corrects_period
FROM (
  SELECT team_id, service, currency, amount, line_items FROM now
  UNION ALL SELECT team_id, service, currency, -amount, 0 FROM was
  UNION ALL SELECT team_id, service, currency, -amount, 0 FROM booked
), p
GROUP BY team_id, service, currency
HAVING sum(amount) <> 0;
