-- The budgets on file (allot ingest budgets) for some teams and months.
-- $1 JSON list of team ids   $2 JSON list of periods
-- Returns: team_id, period, charge_type ('' = whole team), currency, amount (exact text), file, line
SELECT team_id, period, charge_type, currency, amount::VARCHAR AS amount, file, line::INTEGER AS line
FROM budgets
WHERE replaced_at IS NULL AND list_contains(from_json($1::JSON, '["VARCHAR"]'), team_id)
  AND list_contains(from_json($2::JSON, '["VARCHAR"]'), period)
ORDER BY team_id, period, charge_type;
