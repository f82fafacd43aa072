-- A run's cost per day from its split (split.sql): per team, charge type,
-- service, billing sub-account and currency, the cost measure exactly, as the
-- FOCUS rows have it. The day is the origin charge's (its UTC charge day).
-- Reads: focus_charges, focus_group_targets.
-- Returns: day, team_id, charge_type, service, sub_account_id, currency, amount
SELECT strftime(day, '%Y-%m-%d') AS day, team_id, charge_type, service, sub_account_id, currency, sum(amount)::VARCHAR AS amount
FROM (
  SELECT c.day, c.x_team AS team_id, c.x_charge_type AS charge_type, c.x_service AS service, c.sub_account_id,
         c.billing_currency AS currency, c.cost AS amount
  FROM focus_charges c
  WHERE c.gid IS NULL
  UNION ALL
  SELECT day, team_id, charge_type, service, sub_account_id, currency,
         focus_cell_amount(focus_cell_share(cost, total, ratio_d), first_t, charge_id = first_charge, r_i, s_t, s_all)
  FROM (
    SELECT c.day, c.sub_account_id, c.billing_currency AS currency, c.cost, c.charge_id, c.r_i, t.*
    FROM focus_charges c JOIN focus_group_targets t ON t.gid = c.gid
  )
)
GROUP BY ALL
ORDER BY ALL;
