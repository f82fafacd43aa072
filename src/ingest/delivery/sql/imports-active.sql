-- The parts' imports are now part of a recorded delivery.
-- Reads: dlv_parts.
UPDATE imports SET status = 'active' WHERE status = 'pending' AND import_id IN (SELECT import_id FROM dlv_parts);
