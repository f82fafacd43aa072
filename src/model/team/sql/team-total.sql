-- A team's total in one currency of a run (NULL total and n 0: no rows).
-- $1 INTEGER run id   $2 VARCHAR team id   $3 VARCHAR currency
-- Returns: n, total
SELECT count(*)::VARCHAR AS n, sum(amount)::VARCHAR AS total FROM chargeback_rows WHERE run_id = $1 AND team_id = $2 AND currency = $3;
