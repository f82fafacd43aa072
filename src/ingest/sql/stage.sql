-- The staging table every cost source fills: the line_items columns a source
-- provides, plus source_line (1-based line in the file, or row number).
-- Writes: stage_line_items (empty).
CREATE OR REPLACE TEMP TABLE stage_line_items AS
SELECT * EXCLUDE (li_id, import_id, period, superseded_by, class_key) FROM line_items LIMIT 0;
