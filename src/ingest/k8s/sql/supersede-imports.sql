-- An earlier import none of whose snapshots is still current is superseded as a whole, by the import
-- that replaced the last of them.
-- $1 INTEGER the import
-- Returns: nothing
UPDATE imports i SET status = 'superseded', superseded_by = $1
WHERE i.status = 'active'
  AND i.import_id IN (SELECT import_id FROM k8s_snapshots WHERE superseded_by = $1)
  AND NOT EXISTS (SELECT 1 FROM k8s_snapshots s WHERE s.import_id = i.import_id AND s.superseded_by IS NULL);
