-- Marks the current budgets of some teams and months replaced (kept, no longer current).
-- $1 VARCHAR the (team, month) pairs, each team_id || chr(0) || period (JSON array)  $2 VARCHAR when (ISO 8601)
-- Returns: one row per budget replaced
UPDATE budgets SET replaced_at = $2::TIMESTAMP
WHERE replaced_at IS NULL AND list_contains(from_json($1, '["VARCHAR"]'), team_id || chr(0) || period)
RETURNING 1 AS replaced;
