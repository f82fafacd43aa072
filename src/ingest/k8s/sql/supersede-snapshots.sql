-- A later snapshot of the same (cluster, ts) replaces the earlier one: marks the earlier snapshots
-- that an import's snapshots replace superseded by it.
-- $1 INTEGER the import
-- Returns: import_id (one row per snapshot replaced, its import)
UPDATE k8s_snapshots o SET superseded_by = $1
WHERE o.superseded_by IS NULL AND o.import_id <> $1
  AND EXISTS (SELECT 1 FROM k8s_snapshots n WHERE n.import_id = $1 AND n.cluster = o.cluster AND n.ts = o.ts)
RETURNING import_id;
