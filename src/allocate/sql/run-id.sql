-- A new run id, taken inside the transaction that writes the run.
-- No parameters.
-- Returns: id
SELECT nextval('run_id_seq')::INTEGER AS id;
