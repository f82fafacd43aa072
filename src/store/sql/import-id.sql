-- A new import id, taken before the import's rows are written.
-- No parameters.
-- Returns: id
SELECT nextval('import_id_seq')::INTEGER AS id;
