-- $1 import id. Appends every namespace of the lines read by fast-lines.sql to k8s_namespaces; a
-- namespace the contract refuses, or a name twice in one snapshot, raises an error.
INSERT INTO k8s_namespaces (import_id, cluster, ts, name, labels)
SELECT $1, s.cluster, s.ts,
  CASE WHEN k8s_name_ok(n.name) AND k8s_labels_ok(n.labels) THEN n.name ELSE error('k8s fast path: a namespace the contract refuses') END,
  k8s_labels(n.labels)
FROM (
  SELECT l.cluster_json, l.ts_json, n
  FROM (
    SELECT cluster_json, ts_json,
      CASE WHEN len(list_distinct(list_transform(namespaces, n -> n.name))) = len(namespaces) THEN namespaces
        ELSE error('k8s fast path: a namespace twice in one snapshot') END AS namespaces
    FROM k8s_fast_lines
  ) l, unnest(l.namespaces) AS u(n)
) n JOIN k8s_fast_snapshots s USING (cluster_json, ts_json);
