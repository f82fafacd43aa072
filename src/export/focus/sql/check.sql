-- The export's invariant, checked before anything is written: per chargeback
-- row of the run (team, charge type, service, currency; adjustments of closed
-- periods are not charges of this period and are left out), the file's cost
-- measure adds up to the row's exact amount. Any row here is a mismatch.
-- Reads: focus_rows, focus_params, chargeback_rows.
-- Returns: x_team, x_charge_type, x_service, currency, in_file, in_chargeback
WITH f AS (
  SELECT x_AllotTeam AS x_team, x_AllotChargeType AS x_charge_type, x_AllotService AS x_service, BillingCurrency AS currency,
         sum(CASE p.cost_metric WHEN 'BilledCost' THEN BilledCost WHEN 'ListCost' THEN ListCost ELSE EffectiveCost END) AS amount
  FROM focus_rows, focus_params p GROUP BY ALL
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
