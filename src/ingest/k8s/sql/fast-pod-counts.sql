-- $1 import id. Pods written per cluster, and how many carry any usage (for the "no usage data" note).
SELECT cluster, count(*)::INTEGER AS pods,
  count(*) FILTER (WHERE cpu_usage_cores IS NOT NULL OR memory_usage_bytes IS NOT NULL)::INTEGER AS with_usage
FROM k8s_pods WHERE import_id = $1 GROUP BY cluster;
