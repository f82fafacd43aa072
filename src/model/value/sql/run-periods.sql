-- The periods with an allocation run, up to and including $1, newest first.
-- $1 VARCHAR period (YYYY-MM)   $2 INTEGER how many
-- Returns: period
SELECT DISTINCT period FROM allocation_runs WHERE period <= $1 ORDER BY period DESC LIMIT $2;
