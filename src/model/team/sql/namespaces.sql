-- Each team's namespaces in a run: cost, idle, usage against requests, and the
-- saving if requests matched usage (see ../types.ts). Money stays DECIMAL:
-- only the share (unused ÷ Step 2's divisor max(K, ΣU)) is a ratio.
-- Per team in its report's currency.
-- $1 INTEGER run id   $2 JSON list of {team_id, currency}
-- Returns: team_id, cluster, namespace, cost, idle, total, has_usage_data, the four core-/GiB-hour figures,
--          cpu_efficiency, mem_efficiency (% with one decimal, NULL without data), saving (NULL without data);
--          exact decimal text; per team largest first
WITH t AS (SELECT x.team_id, x.currency FROM (SELECT unnest(from_json($2::JSON, '[{"team_id":"VARCHAR","currency":"VARCHAR"}]')) AS x)),
n AS (
  SELECT n.*,
         CASE WHEN n.has_usage_data AND greatest(s.cpu_capacity_core_hours, s.cpu_used_core_hours) > 0
              THEN CAST(s.cpu_cost * CAST(greatest(n.cpu_charged_core_hours - n.cpu_usage_core_hours, 0)::DOUBLE
                                          / greatest(s.cpu_capacity_core_hours, s.cpu_used_core_hours)::DOUBLE AS DECIMAL(38,12)) AS DECIMAL(38,12))
         END AS cpu_saving,
         CASE WHEN n.has_usage_data AND greatest(s.mem_capacity_gib_hours, s.mem_used_gib_hours) > 0
              THEN CAST(s.mem_cost * CAST(greatest(n.mem_charged_gib_hours - n.mem_usage_gib_hours, 0)::DOUBLE
                                          / greatest(s.mem_capacity_gib_hours, s.mem_used_gib_hours)::DOUBLE AS DECIMAL(38,12)) AS DECIMAL(38,12))
         END AS mem_saving
  FROM namespace_stats n
  JOIN t ON t.team_id = n.owner_id AND t.currency = n.currency
  LEFT JOIN cluster_stats s ON s.run_id = n.run_id AND s.cluster = n.cluster AND s.currency = n.currency
  WHERE n.run_id = $1 AND n.owner_kind = 'team'
)
SELECT owner_id AS team_id, cluster, namespace,
       cost::VARCHAR AS cost, idle_cost::VARCHAR AS idle, (cost + idle_cost)::VARCHAR AS total,
       has_usage_data,
       cpu_request_core_hours::VARCHAR AS cpu_request_core_hours, cpu_usage_core_hours::VARCHAR AS cpu_usage_core_hours,
       mem_request_gib_hours::VARCHAR AS mem_request_gib_hours, mem_usage_gib_hours::VARCHAR AS mem_usage_gib_hours,
       CASE WHEN has_usage_data AND cpu_request_core_hours > 0
            THEN (100 * cpu_usage_core_hours::DOUBLE / cpu_request_core_hours::DOUBLE)::DECIMAL(38,1)::VARCHAR END AS cpu_efficiency,
       CASE WHEN has_usage_data AND mem_request_gib_hours > 0
            THEN (100 * mem_usage_gib_hours::DOUBLE / mem_request_gib_hours::DOUBLE)::DECIMAL(38,1)::VARCHAR END AS mem_efficiency,
       CASE WHEN has_usage_data THEN (coalesce(cpu_saving, 0) + coalesce(mem_saving, 0))::VARCHAR END AS saving
FROM n ORDER BY owner_id, cost + idle_cost DESC, cluster, namespace;
