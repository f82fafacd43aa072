-- The rows a file importer staged, and how many of them are invalid (marked by a negative source_line).
-- No parameters.
-- Returns: total, bad
SELECT count(*) AS total, count(*) FILTER (WHERE source_line < 0) AS bad FROM stage_line_items;
