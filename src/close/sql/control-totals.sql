-- A run's chargeback total per currency, for the manifest.
-- $1 INTEGER run id
-- Returns: currency, amount (decimal text, exact)
SELECT currency, sum(amount)::VARCHAR AS amount FROM chargeback_rows WHERE run_id = $1 GROUP BY currency ORDER BY currency;
