-- $1 import id. Appends every node of the lines read by fast-lines.sql to k8s_nodes; a node the
-- contract refuses, or a name twice in one snapshot, raises an error (nothing is kept: the caller
-- rolls back and reads the file line by line for the exact message). A node's labels come again
-- every hour: each distinct set is checked and converted once.
INSERT INTO k8s_nodes (import_id, cluster, ts, name, provider_id, instance_type, cpu_capacity_cores, memory_capacity_bytes, labels)
WITH nodes AS (
  SELECT l.cluster_json, l.ts_json, n, k8s_number(n.cpu_capacity_cores) AS cpu, k8s_number(n.memory_capacity_bytes) AS mem
  FROM (
    SELECT cluster_json, ts_json,
      CASE WHEN len(list_distinct(list_transform(nodes, n -> n.name))) = len(nodes) THEN nodes
        ELSE error('k8s fast path: a node twice in one snapshot') END AS nodes
    FROM k8s_fast_lines
  ) l, unnest(l.nodes) AS u(n)
),
label_sets AS (
  SELECT labels, k8s_labels_ok(labels) AS ok, k8s_labels(labels) AS stored
  FROM (SELECT DISTINCT n.labels AS labels FROM nodes)
)
SELECT $1, s.cluster, s.ts,
  CASE WHEN k8s_name_ok(n.name) AND k8s_opt_text_ok(n.provider_id) AND k8s_opt_text_ok(n.instance_type)
        AND k8s_cores_ok(cpu) AND k8s_bytes_ok(mem) AND ls.ok
    THEN n.name ELSE error('k8s fast path: a node the contract refuses') END,
  n.provider_id, n.instance_type, k8s_cores(cpu), mem::BIGINT, ls.stored
FROM nodes
JOIN k8s_fast_snapshots s USING (cluster_json, ts_json)
JOIN label_sets ls ON ls.labels IS NOT DISTINCT FROM n.labels;
