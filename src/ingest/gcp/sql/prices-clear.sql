-- Removes every list price of provider 'gcp', before the catalog's are written again.
-- No parameters.
-- Returns: one row per price removed
DELETE FROM list_prices WHERE provider = 'gcp' RETURNING 1 AS removed;
