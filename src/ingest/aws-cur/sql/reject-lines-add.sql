-- Adds the lines of the file's rejected rows (stage_rejects, lines as DuckDB numbers them) to cur_reject_lines.
-- No parameters.
-- Returns: nothing
INSERT INTO cur_reject_lines SELECT line FROM stage_rejects;
