-- The parts' imports belong to the delivery's export (loose files carry none).
-- $1 VARCHAR  the export key; $2 BOOLEAN  whether the delivery has an export identity
-- Reads: dlv_parts.
UPDATE imports SET export_key = $1 WHERE import_id IN (SELECT import_id FROM dlv_parts) AND export_key IS NULL AND $2;
