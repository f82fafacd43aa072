-- $1 import id. Appends the checked snapshots (fast-snapshots.sql) to k8s_snapshots.
INSERT INTO k8s_snapshots (import_id, cluster, ts, period, window_seconds, superseded_by)
SELECT $1, cluster, ts, period, window_seconds, NULL FROM k8s_fast_snapshots;
