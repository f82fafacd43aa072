-- The currency decimals a run rounded to (its most precise currency).
-- $1 INTEGER run id
-- Returns: d (NULL: the run has no rows)
SELECT max(decimals) AS d FROM chargeback_rows WHERE run_id = $1;
