-- The chargeback rows of a run, in the contract's order: team id, charge type, service (then currency).
-- $1 INTEGER  run id
-- Returns: the CSV's columns (amount as stored, DECIMAL(38,6) text) and decimals
SELECT period, team_id, team_name, cost_center, gl_account, mode, charge_type, service, currency,
       decimals, amount::VARCHAR AS amount, line_items::VARCHAR AS line_items
FROM chargeback_rows WHERE run_id = $1
ORDER BY team_id, charge_type, service, currency;
