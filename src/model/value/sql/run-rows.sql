-- A run's team rows in one currency, rounded and exact (adjustments left out: they correct other periods).
-- $1 INTEGER run id   $2 VARCHAR currency
-- Returns: team_id, charge_type, service, amount, amount_exact
SELECT team_id, charge_type, service, amount::VARCHAR AS amount, amount_exact::VARCHAR AS amount_exact
FROM chargeback_rows
WHERE run_id = $1 AND currency = $2 AND team_id <> 'unallocated' AND charge_type IN ('direct', 'kubernetes', 'idle', 'shared')
ORDER BY team_id, charge_type, service;
