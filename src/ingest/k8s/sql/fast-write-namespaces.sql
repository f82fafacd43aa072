-- $1 import id. Appends every namespace of the lines read by fast-lines.sql to k8s_namespaces; a
-- namespace the contract refuses, or a name twice in one snapshot, raises an error. Each distinct
-- set of labels is checked and converted once (as fast-write-nodes.sql).
INSERT INTO k8s_namespaces (import_id, cluster, ts, name, labels)
WITH namespaces AS (
  SELECT l.cluster_json, l.ts_json, n
  FROM (
    SELECT cluster_json, ts_json,
      CASE WHEN len(list_distinct(list_transform(namespaces, n -> n.name))) = len(namespaces) THEN namespaces
        ELSE error('k8s fast path: a namespace twice in one snapshot') END AS namespaces
    FROM k8s_fast_lines
  ) l, unnest(l.namespaces) AS u(n)
),
label_sets AS (
  SELECT labels, k8s_labels_ok(labels) AS ok, k8s_labels(labels) AS stored
  FROM (SELECT DISTINCT n.labels AS labels FROM namespaces)
)
SELECT $1, s.cluster, s.ts,
  CASE WHEN k8s_name_ok(n.name) AND ls.ok THEN n.name ELSE error('k8s fast path: a namespace the contract refuses') END,
  ls.stored
FROM namespaces
JOIN k8s_fast_snapshots s USING (cluster_json, ts_json)
JOIN label_sets ls ON ls.labels IS NOT DISTINCT FROM n.labels;
