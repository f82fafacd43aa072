-- Charged core-hours and GiB-hours (Σ max(request, usage)) of each team's namespaces.
-- $1 INTEGER run id   $2 VARCHAR currency
-- Returns: team_id, cluster, namespace, cpu_h, mem_h (6 decimals)
SELECT owner_id AS team_id, cluster, namespace,
       sum(cpu_charged_core_hours)::VARCHAR AS cpu_h, sum(mem_charged_gib_hours)::VARCHAR AS mem_h
FROM namespace_stats
WHERE run_id = $1 AND currency = $2 AND owner_kind = 'team'
GROUP BY ALL
ORDER BY ALL;
