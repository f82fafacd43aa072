-- Deletes pending imports (whose delivery was never recorded).
-- $1 VARCHAR  JSON list of the imports to discard, or NULL for every pending import
DELETE FROM imports
WHERE status = 'pending' AND ($1::VARCHAR IS NULL OR import_id IN (SELECT unnest(from_json($1, '["INTEGER"]'))));
