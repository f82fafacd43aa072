-- Rows of the delivery's parts that are superseded: an earlier import it
-- repeats, whose rows become current again (pending rows are its own, new).
-- $1 INTEGER  the pending marker
-- Returns: n (text).
SELECT count(*)::VARCHAR AS n FROM line_items
WHERE import_id IN (SELECT import_id FROM dlv_parts) AND superseded_by IS NOT NULL AND superseded_by <> $1;
