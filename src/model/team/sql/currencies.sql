-- A team's total per currency in a run, largest first; $2 NULL: the run's currencies (for a team without cost).
-- $1 INTEGER  run id
-- $2 VARCHAR  team id, or NULL
-- Returns: currency, decimals, total (exact decimal text)
SELECT currency, max(decimals)::INTEGER AS decimals, sum(amount)::VARCHAR AS total
FROM chargeback_rows WHERE run_id = $1 AND ($2::VARCHAR IS NULL OR team_id = $2)
GROUP BY currency ORDER BY abs(sum(amount)) DESC, currency;
