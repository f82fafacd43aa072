-- No parameters. The snapshot-level values of each line read by fast-lines.sql, for snapshot.ts to check.
SELECT cluster_json, ts_json, window_json, nodes IS NULL AS no_nodes, namespaces IS NULL AS no_namespaces
FROM k8s_fast_lines;
