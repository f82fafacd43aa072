-- The lines of one file's rejected rows, as the temp table cur_reject_lines (empty): the export's
-- own totals (../sql.ts, exportTotals) leave them out.
-- No parameters.
-- Returns: nothing
CREATE OR REPLACE TEMP TABLE cur_reject_lines (line BIGINT);
