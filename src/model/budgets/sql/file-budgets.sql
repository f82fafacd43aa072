-- The budgets on file (allot ingest budgets) for a team and some months.
-- $1 VARCHAR team id   $2 JSON list of periods
-- Returns: period, charge_type ('' = whole team), currency, amount (exact text), file, line
SELECT period, charge_type, currency, amount::VARCHAR AS amount, file, line::INTEGER AS line
FROM budgets
WHERE replaced_at IS NULL AND team_id = $1 AND list_contains(from_json($2::JSON, '["VARCHAR"]'), period)
ORDER BY period, charge_type;
