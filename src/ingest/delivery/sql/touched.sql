-- What a delivery touched, the only imports whose status it can change: its
-- parts, and the imports it replaced rows of.
-- Reads: dlv_parts, dlv_old.
-- Writes: dlv_touched (import_id).
CREATE OR REPLACE TEMP TABLE dlv_touched AS
SELECT DISTINCT import_id FROM (SELECT import_id FROM dlv_parts UNION ALL SELECT import_id FROM dlv_old);
