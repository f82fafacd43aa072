-- $1 file, $2 compression, $3 import id. Reads the file again for its pods and appends them to
-- k8s_pods, each line joined to its checked snapshot (fast-snapshots.sql). A pod the contract
-- refuses, a pod twice in one snapshot, or a line without pods raises an error.
-- Duplicates are found by namespace and name: snapshot.ts compares "namespace/name", the same
-- test once neither holds a "/" (a pod with one is left to the line reader).
INSERT INTO k8s_pods (import_id, cluster, ts, namespace, name, node, cpu_request_cores, cpu_usage_cores, memory_request_bytes, memory_usage_bytes)
SELECT $3, s.cluster, s.ts,
  CASE WHEN s.cluster IS NOT NULL AND k8s_name_ok(p.namespace) AND k8s_name_ok(p.name) AND k8s_opt_text_ok(p.node)
        AND NOT contains(p.namespace, '/') AND NOT contains(p.name, '/')
        AND k8s_cores_ok(req) AND (p.cpu_usage_cores IS NULL OR k8s_cores_ok(used))
        AND k8s_bytes_ok(mreq) AND (p.memory_usage_bytes IS NULL OR k8s_bytes_ok(mused))
    THEN p.namespace ELSE error('k8s fast path: a pod the contract refuses') END,
  p.name, p.node, k8s_cores(req), k8s_cores(used), mreq::BIGINT, mused::BIGINT
FROM (
  SELECT l.cluster_json, l.ts_json, p,
    k8s_number(p.cpu_request_cores) AS req, k8s_number(p.cpu_usage_cores) AS used,
    k8s_number(p.memory_request_bytes) AS mreq, k8s_number(p.memory_usage_bytes) AS mused
  FROM (
    SELECT cluster::VARCHAR AS cluster_json, ts::VARCHAR AS ts_json,
      CASE WHEN len(list_distinct(list_transform(pods, p -> hash(p.namespace, p.name)))) = len(pods) THEN pods
        ELSE error('k8s fast path: no pods, or a pod twice in one snapshot') END AS pods
    FROM read_json($1, format = 'newline_delimited', records = true, compression = $2, maximum_object_size = 67108864,
      columns = {
        cluster: 'JSON', ts: 'JSON',
        pods: 'STRUCT(namespace VARCHAR, name VARCHAR, node VARCHAR, cpu_request_cores JSON, cpu_usage_cores JSON, memory_request_bytes JSON, memory_usage_bytes JSON)[]'
      })
  ) l, unnest(l.pods) AS u(p)
) p LEFT JOIN k8s_fast_snapshots s USING (cluster_json, ts_json);
