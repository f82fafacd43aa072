-- Step 4 — round, and prove nothing was lost.
-- Reads: exact_rows, pending_adjustments (corrections of closed periods, booked
--        in this one), input_bill, run_params.
-- Writes: rounded_rows (the chargeback CSV's rows), reconciliation.

-- x in units of the currency's smallest unit, rounded half away from zero;
-- exact DECIMAL arithmetic throughout (no DOUBLE on money).
CREATE OR REPLACE TEMP MACRO to_units(x, scale) AS sign(x) * floor(abs(x) * scale + 0.5);

-- Adjustment rows join the period's own rows before rounding.
INSERT INTO exact_rows
SELECT team_id, 'adjustment', service, currency, amount, line_items, corrects_period FROM pending_adjustments;

-- Largest remainder per currency: floor every row to the currency's decimals,
-- then give one unit to the rows with the largest remainders until the rows
-- sum to round(Σ cost measure). Ties: team id, charge type, service.
CREATE OR REPLACE TEMP TABLE rounded_rows AS
WITH scaled AS (
  SELECT e.*, r.decimals, r.unit, e.amount * r.scale AS units_exact
  FROM exact_rows e, run_params r
),
floored AS (
  SELECT *, floor(units_exact) AS units_floor, units_exact - floor(units_exact) AS remainder
  FROM scaled
),
targets AS (
  SELECT currency, to_units(sum(cost), any_value(r.scale)) AS target_units
  FROM (SELECT currency, cost FROM input_bill UNION ALL SELECT currency, amount FROM pending_adjustments), run_params r
  GROUP BY currency
),
ranked AS (
  SELECT f.*, t.target_units - sum(f.units_floor) OVER (PARTITION BY f.currency) AS units_short,
         row_number() OVER (PARTITION BY f.currency ORDER BY f.remainder DESC, f.team_id, f.charge_type, f.service) AS rank
  FROM floored f JOIN targets t USING (currency)
)
SELECT team_id, charge_type, service, currency, decimals, amount AS amount_exact, line_items, corrects_period,
       ((units_floor + CASE WHEN rank <= units_short THEN 1 ELSE 0 END) * unit)::DECIMAL(38,6) AS amount
FROM ranked;

-- The invariant: per currency, exact parts conserve the bill and the rounded
-- rows sum to the rounded bill. Any row here fails the run.
CREATE OR REPLACE TEMP TABLE reconciliation AS
WITH bill AS (
  SELECT currency, sum(cost) AS exact, coalesce(sum(line_items) FILTER (WHERE NOT adj), 0) AS line_items,
         coalesce(sum(cost) FILTER (WHERE adj), 0) AS adjustments
  FROM (SELECT currency, cost, line_items, false AS adj FROM input_bill
        UNION ALL SELECT currency, amount, 0, true FROM pending_adjustments)
  GROUP BY ALL
),
alloc AS (SELECT currency, sum(amount_exact) AS exact, sum(amount) AS rounded FROM rounded_rows GROUP BY ALL)
SELECT coalesce(b.currency, a.currency) AS currency, b.exact AS bill_exact,
       (to_units(b.exact, r.scale) * r.unit)::DECIMAL(38,6) AS bill_rounded, b.adjustments,
       a.exact AS allocated_exact, a.rounded AS allocated_rounded, b.line_items,
       (a.exact IS NOT DISTINCT FROM b.exact
        AND a.rounded IS NOT DISTINCT FROM (to_units(b.exact, r.scale) * r.unit)::DECIMAL(38,6)) AS ok
FROM bill b FULL JOIN alloc a USING (currency), run_params r;
