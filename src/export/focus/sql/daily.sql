-- A run's cost per day from its split (split.sql): per team, charge type,
-- service, billing sub-account and currency, the cost measure exactly, as the
-- FOCUS rows have it. The day is the origin charge's (its UTC charge day).
-- Reads: focus_charges, focus_split, focus_targets.
-- Returns: day, team_id, charge_type, service, sub_account_id, currency, amount
SELECT strftime(day, '%Y-%m-%d') AS day, team_id, charge_type, service, sub_account_id, currency, sum(amount)::VARCHAR AS amount
FROM (
  SELECT c.day, coalesce(c.target_id, 'unallocated') AS team_id,
         CASE c.target_kind WHEN 'team' THEN 'direct' ELSE 'unallocated' END AS charge_type,
         coalesce(nullif(c.service_name, ''), 'Unknown service') AS service, c.sub_account_id, c.billing_currency AS currency, c.cost AS amount
  FROM focus_charges c
  WHERE c.target_kind IN ('team', 'unallocated')
  UNION ALL
  SELECT c.day, t.team_id, t.charge_type, t.service, c.sub_account_id, c.billing_currency, s.amount
  FROM focus_split s
  JOIN focus_charges c USING (charge_id)
  JOIN focus_targets t ON t.kind = s.kind AND t.owner = s.owner AND t.currency = s.currency AND t.target = s.target
)
GROUP BY ALL
ORDER BY ALL;
