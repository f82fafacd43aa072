-- Moves the stage into line_items as one import, pending (superseded_by = the
-- pending marker) until its delivery is recorded. The class columns are filled
-- in by the caller: the stage's columns of a line item's class, or NULL where
-- the source has none.
-- $1 INTEGER  the import id; $2 INTEGER  the pending marker
-- Reads: stage_line_items.
INSERT INTO line_items BY NAME
SELECT s.*, $1::BIGINT * 4294967296 + s.source_line AS li_id, $1::INTEGER AS import_id,
       strftime(s.charge_period_start, '%Y-%m') AS period, $2::INTEGER AS superseded_by,
       line_item_class_key({class_columns}) AS class_key
FROM stage_line_items s;
