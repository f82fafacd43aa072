-- The period's snapshots summed per cluster and namespace, computed from the
-- snapshots. Usage and capacity are kept in core-seconds and byte-seconds:
-- hours and GiB are constant factors that cancel in every ratio of Step 2,
-- and integers stay exact.
-- Reads: current_snapshots, k8s_nodes, k8s_pods, k8s_namespaces.
-- Writes: capacity, ns_usage.

-- K_cpu, K_mem: node capacity × time.
CREATE OR REPLACE TEMP TABLE capacity AS
SELECT n.cluster,
       sum(n.cpu_capacity_cores * s.window_seconds)::DECIMAL(38,12)          AS cpu,
       sum(n.memory_capacity_bytes::HUGEINT * s.window_seconds)::DECIMAL(38,12) AS mem
FROM k8s_nodes n
JOIN current_snapshots s USING (import_id, cluster, ts)
GROUP BY ALL;

-- U_cpu(n), U_mem(n): Σ max(request, usage) × time; a missing usage counts as
-- 0. With each namespace's latest labels in the period (Step 2's owners).
CREATE OR REPLACE TEMP TABLE ns_usage AS
WITH usage AS (
  SELECT p.cluster, p.namespace,
         sum(greatest(p.cpu_request_cores, coalesce(p.cpu_usage_cores, 0)) * s.window_seconds)::DECIMAL(38,12) AS cpu,
         sum(greatest(p.memory_request_bytes, coalesce(p.memory_usage_bytes, 0))::HUGEINT * s.window_seconds)::DECIMAL(38,12) AS mem,
         -- For efficiency (usage ÷ request) in reports; not used by the split.
         sum(p.cpu_request_cores * s.window_seconds)::DECIMAL(38,12) AS cpu_request,
         sum(coalesce(p.cpu_usage_cores, 0) * s.window_seconds)::DECIMAL(38,12) AS cpu_usage,
         sum(p.memory_request_bytes::HUGEINT * s.window_seconds)::DECIMAL(38,12) AS mem_request,
         sum(coalesce(p.memory_usage_bytes, 0)::HUGEINT * s.window_seconds)::DECIMAL(38,12) AS mem_usage,
         count(*) FILTER (WHERE p.cpu_usage_cores IS NOT NULL OR p.memory_usage_bytes IS NOT NULL) AS samples_with_usage,
         count(*) AS samples
  FROM k8s_pods p
  JOIN current_snapshots s USING (import_id, cluster, ts)
  GROUP BY ALL
),
latest_labels AS (
  SELECT n.cluster, n.name AS namespace, arg_max(n.labels, n.ts) AS labels
  FROM k8s_namespaces n
  JOIN current_snapshots s USING (import_id, cluster, ts)
  GROUP BY ALL
)
SELECT u.*, l.labels
FROM usage u LEFT JOIN latest_labels l USING (cluster, namespace);
