-- For a delivery that changed nothing: the newest delivery that brought its parts.
-- Reads: dlv_parts, import_current_delivery.
-- Returns: d (a delivery id, or NULL).
SELECT max(delivery_id) AS d FROM import_current_delivery WHERE import_id IN (SELECT import_id FROM dlv_parts);
