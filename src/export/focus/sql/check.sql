-- The export's invariant, checked before anything is written: per chargeback
-- row of the run (team, charge type, service, currency; adjustments of closed
-- periods are not charges of this period and are left out), the file's cost
-- measure adds up to the row's exact amount: the charges no split touched,
-- and per split target the sum of its rows (sum_amount, summed over its cells
-- by split.sql with the expression file.sql writes). Any row here is a mismatch.
-- Reads: focus_charges, focus_groups, focus_group_targets, focus_params, chargeback_rows.
-- Returns: x_team, x_charge_type, x_service, currency, in_file, in_chargeback
WITH f AS (
  SELECT x_team, x_charge_type, x_service, currency, sum(amount) AS amount
  FROM (
    SELECT x_team, x_charge_type, x_service, billing_currency AS currency, cost AS amount FROM focus_charges WHERE gid IS NULL
    UNION ALL
    SELECT t.team_id, t.charge_type, t.service, g.currency, t.sum_amount FROM focus_group_targets t JOIN focus_groups g USING (gid)
  )
  GROUP BY ALL
),
c AS (
  SELECT team_id AS x_team, charge_type AS x_charge_type, service AS x_service, currency, sum(amount_exact) AS amount
  FROM chargeback_rows WHERE run_id = (SELECT run_id FROM focus_params) AND charge_type <> 'adjustment'
  GROUP BY ALL
)
SELECT x_team, x_charge_type, x_service, currency, f.amount::VARCHAR AS in_file, c.amount::VARCHAR AS in_chargeback
FROM f FULL JOIN c USING (x_team, x_charge_type, x_service, currency)
WHERE f.amount IS DISTINCT FROM c.amount
ORDER BY ALL
LIMIT 5;
