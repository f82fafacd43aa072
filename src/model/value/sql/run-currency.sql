-- A run's currencies, largest absolute total first.
-- $1 INTEGER run id
-- Returns: currency
SELECT currency FROM chargeback_rows WHERE run_id = $1 GROUP BY currency ORDER BY sum(abs(amount)) DESC, currency;
