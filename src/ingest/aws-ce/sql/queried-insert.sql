-- Appends the queries made to ce_queried.
-- $1 VARCHAR the queries (JSON array of {account, level})
-- Returns: nothing
INSERT INTO ce_queried SELECT unnest(from_json($1::JSON, '[{"account":"VARCHAR","level":"INTEGER"}]'), recursive := true);
