-- Current Kubernetes snapshots per period and cluster.
-- Returns: period, cluster, snapshots
SELECT period, cluster, count(*)::VARCHAR AS snapshots FROM k8s_snapshots WHERE superseded_by IS NULL
GROUP BY ALL ORDER BY ALL;
