-- A team's chargeback rows in a run.
-- $1 INTEGER run id   $2 VARCHAR team id
-- Returns: team_name, charge_type, service, currency, amount, amount_exact, line_items
SELECT team_name, charge_type, service, currency, amount::VARCHAR AS amount, amount_exact::VARCHAR AS amount_exact,
       line_items::VARCHAR AS line_items
FROM chargeback_rows WHERE run_id = $1 AND team_id = $2 ORDER BY charge_type, service, currency;
