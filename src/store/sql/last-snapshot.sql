-- When the newest snapshot of a cluster from a given source finished importing, in Unix seconds.
-- $1 VARCHAR source (imports.source)  $2 VARCHAR cluster
-- Returns: at (text; NULL: never)
SELECT epoch(max(i.finished_at))::BIGINT::VARCHAR AS at FROM k8s_snapshots s JOIN imports i USING (import_id)
WHERE i.source = $1 AND s.cluster = $2;
