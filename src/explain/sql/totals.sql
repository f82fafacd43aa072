-- A team's total per currency in a run.
-- $1 INTEGER run id   $2 VARCHAR team id
-- Returns: currency, amount
SELECT currency, sum(amount)::VARCHAR AS amount FROM chargeback_rows WHERE run_id = $1 AND team_id = $2 GROUP BY 1 ORDER BY 1;
