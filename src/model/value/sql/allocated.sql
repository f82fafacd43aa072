-- The run's absolute cost in one currency, and the part of it allocated to teams.
-- $1 INTEGER run id   $2 VARCHAR currency
-- Returns: part, whole
SELECT coalesce(sum(abs(amount)) FILTER (WHERE team_id <> 'unallocated'), 0)::VARCHAR AS part, coalesce(sum(abs(amount)), 0)::VARCHAR AS whole
FROM chargeback_rows WHERE run_id = $1 AND currency = $2;
