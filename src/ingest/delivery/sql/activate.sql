-- The delivery's own rows become current: the pending ones it wrote, and any
-- of an earlier import it repeats.
-- Reads: dlv_parts.
UPDATE line_items SET superseded_by = NULL WHERE import_id IN (SELECT import_id FROM dlv_parts) AND superseded_by IS NOT NULL;
