-- Deletes pending rows (of imports whose delivery was never recorded).
-- $1 INTEGER  the pending marker
-- $2 VARCHAR  JSON list of the imports to discard, or NULL for every pending import
DELETE FROM line_items
WHERE superseded_by = $1 AND ($2::VARCHAR IS NULL OR import_id IN (SELECT unnest(from_json($2, '["INTEGER"]'))));
