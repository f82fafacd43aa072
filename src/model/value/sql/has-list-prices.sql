-- Whether the store has the list_prices table (migration 002; a store without it prices from the config).
-- No parameters.
-- Returns: n (0: no such table)
SELECT count(*) AS n FROM information_schema.tables WHERE table_name = 'list_prices';
