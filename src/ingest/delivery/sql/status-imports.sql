-- After a delivery, an import is active while it has a current row.
-- $1 INTEGER  the delivery id
-- Reads: dlv_touched, line_items.
UPDATE imports SET
  status = CASE WHEN EXISTS (SELECT 1 FROM line_items l WHERE l.import_id = imports.import_id AND l.superseded_by IS NULL) THEN 'active' ELSE 'superseded' END,
  superseded_by = CASE WHEN EXISTS (SELECT 1 FROM line_items l WHERE l.import_id = imports.import_id AND l.superseded_by IS NULL) THEN NULL ELSE $1 END
WHERE import_id IN (SELECT import_id FROM dlv_touched) AND status <> 'noop'
  AND EXISTS (SELECT 1 FROM line_items l WHERE l.import_id = imports.import_id);
