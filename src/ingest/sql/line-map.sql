-- The breakpoints of a text file's record lines (scanRecordLines in files.ts), as the temp table
-- stage_line_map: from naive line `naive` on, a record starts `off` lines further down.
-- $1 VARCHAR the naive lines, $2 VARCHAR their offsets (JSON arrays of the same length)
-- Returns: nothing
CREATE OR REPLACE TEMP TABLE stage_line_map AS
SELECT unnest(from_json($1, '["BIGINT"]')) AS naive, unnest(from_json($2, '["BIGINT"]')) AS off;
