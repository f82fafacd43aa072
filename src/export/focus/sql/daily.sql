-- A run's cost per day from its FOCUS rows (build.sql): per team, charge
-- type, service, billing sub-account and currency, the cost measure exactly.
-- The day is the origin charge's (its UTC charge day).
-- Reads: focus_rows, focus_params.
-- Returns: day, team_id, charge_type, service, sub_account_id, currency, amount
SELECT strftime(ChargePeriodStart AT TIME ZONE 'UTC', '%Y-%m-%d') AS day, x_AllotTeam AS team_id, x_AllotChargeType AS charge_type,
       x_AllotService AS service, SubAccountId AS sub_account_id, BillingCurrency AS currency,
       sum(CASE p.cost_metric WHEN 'BilledCost' THEN BilledCost WHEN 'ListCost' THEN ListCost ELSE EffectiveCost END)::VARCHAR AS amount
FROM focus_rows, focus_params p
GROUP BY ALL
ORDER BY ALL;
