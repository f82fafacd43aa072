-- The exact sum of Cost Explorer's amounts (decimal strings, one per month).
-- $1 VARCHAR the amounts (JSON array of strings)
-- Returns: s (decimal text)
SELECT sum(x::DECIMAL(38,12))::VARCHAR AS s FROM (SELECT unnest(from_json($1, '["VARCHAR"]')) AS x);
