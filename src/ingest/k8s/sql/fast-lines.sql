-- $1 file, $2 compression ('uncompressed' or 'gzip'). One row per snapshot line:
-- its snapshot-level values as JSON text (checked in TypeScript by snapshot.ts),
-- its nodes and namespaces as read (checked in SQL when written).
CREATE OR REPLACE TEMP TABLE k8s_fast_lines AS
SELECT cluster::VARCHAR AS cluster_json, ts::VARCHAR AS ts_json, window_seconds::VARCHAR AS window_json, nodes, namespaces
FROM read_json($1, format = 'newline_delimited', records = true, compression = $2, maximum_object_size = 67108864,
  columns = {
    cluster: 'JSON', ts: 'JSON', window_seconds: 'JSON',
    nodes: 'STRUCT(name VARCHAR, provider_id VARCHAR, instance_type VARCHAR, cpu_capacity_cores JSON, memory_capacity_bytes JSON, labels MAP(VARCHAR, JSON))[]',
    namespaces: 'STRUCT(name VARCHAR, labels MAP(VARCHAR, JSON))[]'
  });
