-- $1 the snapshots as a JSON array of {cluster_json, ts_json, cluster, micros, period, window_seconds},
-- checked by snapshot.ts. They join the lines read again to their cluster and UTC ts.
CREATE OR REPLACE TEMP TABLE k8s_fast_snapshots AS
SELECT cluster_json, ts_json, cluster, make_timestamp(micros) AS ts, period, window_seconds
FROM (SELECT unnest(from_json($1, '[{"cluster_json": "VARCHAR", "ts_json": "VARCHAR", "cluster": "VARCHAR", "micros": "BIGINT", "period": "VARCHAR", "window_seconds": "INTEGER"}]'), recursive := true));
