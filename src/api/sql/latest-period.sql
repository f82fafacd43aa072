-- The newest period with an allocation run (NULL with none): what an endpoint
-- without ?period= reads, as the last complete billing date does.
-- Returns: period
SELECT max(period) AS period FROM allocation_runs;
