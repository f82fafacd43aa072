-- A team's amount per charge type, in this run and last month's.
-- $1 INTEGER run id   $2 INTEGER last month's run id (-1: none)   $3 VARCHAR team id   $4 VARCHAR currency
-- Returns: charge_type, run_id, amount (exact decimal text)
SELECT charge_type, run_id, sum(amount)::VARCHAR AS amount FROM chargeback_rows
WHERE run_id IN ($1, $2) AND team_id = $3 AND currency = $4 GROUP BY ALL;
