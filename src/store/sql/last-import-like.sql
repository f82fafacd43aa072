-- When the newest import whose key matches a LIKE pattern finished, in Unix seconds.
-- $1 VARCHAR pattern (backslash escapes)
-- Returns: at (text; NULL: never)
SELECT epoch(max(finished_at))::BIGINT::VARCHAR AS at FROM imports WHERE file LIKE $1 ESCAPE '\';
