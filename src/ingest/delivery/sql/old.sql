-- The imports whose current rows a restating delivery replaces in its scope:
-- those of the same export (loose files and imports from before deliveries
-- count as the same export as anything of their billing account).
-- $1 VARCHAR  the delivery's mode (restate | append)
-- $2 VARCHAR  its layout ('files' for loose files)
-- $3 VARCHAR  its export key
-- Reads: imports, dlv_parts.
-- Writes: dlv_old_imports (import_id).
CREATE OR REPLACE TEMP TABLE dlv_old_imports AS
SELECT import_id FROM imports
WHERE $1 = 'restate' AND import_id NOT IN (SELECT import_id FROM dlv_parts)
  AND ($2 = 'files' OR export_key IS NULL OR export_key = $3);
