-- After a delivery, an import is active while it has a current row, else
-- superseded by the delivery. Imports without rows keep their status.
-- $1 INTEGER  the delivery id
-- Reads: dlv_touched, line_items (once).
UPDATE imports SET
  status = CASE WHEN c.has_current THEN 'active' ELSE 'superseded' END,
  superseded_by = CASE WHEN c.has_current THEN NULL ELSE $1 END
FROM (SELECT import_id, bool_or(superseded_by IS NULL) AS has_current
      FROM line_items WHERE import_id IN (SELECT import_id FROM dlv_touched) GROUP BY import_id) c
WHERE imports.import_id = c.import_id AND imports.status <> 'noop';
