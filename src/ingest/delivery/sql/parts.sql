-- The parts of the delivery being recorded.
-- $1 VARCHAR  JSON list of the parts' import ids
-- Writes: dlv_parts (import_id).
CREATE OR REPLACE TEMP TABLE dlv_parts AS SELECT unnest(from_json($1, '["INTEGER"]')) AS import_id;
