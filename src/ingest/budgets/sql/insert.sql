-- Records a file's budgets, each current until a later file's budget of the same team and month replaces it.
-- $1 VARCHAR the budgets: a JSON array of {team_id, period, charge_type, currency, amount (decimal text), line}
-- $2 VARCHAR the file  $3 VARCHAR when (ISO 8601)
-- Returns: nothing
INSERT INTO budgets
SELECT b.team_id, b.period, b.charge_type, b.currency, b.amount::DECIMAL(38,12), $2, b.line, $3::TIMESTAMP, NULL
FROM (SELECT unnest(from_json($1, '[{"team_id": "VARCHAR", "period": "VARCHAR", "charge_type": "VARCHAR", "currency": "VARCHAR", "amount": "VARCHAR", "line": "BIGINT"}]')) AS b);
