-- Leaves only the valid staged rows (their invalid ones are in stage_rejects by now).
-- No parameters.
-- Returns: nothing
DELETE FROM stage_line_items WHERE source_line < 0;
