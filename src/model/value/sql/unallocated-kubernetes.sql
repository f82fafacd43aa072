-- Kubernetes cost of a run no team owns (unallocated), in one currency.
-- $1 INTEGER run id   $2 VARCHAR currency
-- Returns: amount (2 decimals)
SELECT CAST(coalesce(sum(amount), 0) AS DECIMAL(38,2))::VARCHAR AS amount FROM chargeback_rows
WHERE run_id = $1 AND currency = $2 AND team_id = 'unallocated' AND service LIKE 'Kubernetes (%';
