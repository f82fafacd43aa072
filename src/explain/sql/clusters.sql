-- The Step 2 figures of the clusters a team draws on.
-- $1 INTEGER run id   $2 VARCHAR team id
-- Returns: cluster, currency, pool_cost, line_items, capacity and used core-/GiB-hours, cpu_cost, mem_cost, idle_cost, idle_policy
SELECT cluster, currency, pool_cost::VARCHAR AS pool_cost, line_items::VARCHAR AS line_items,
       cpu_capacity_core_hours::VARCHAR AS cpu_capacity_core_hours, mem_capacity_gib_hours::VARCHAR AS mem_capacity_gib_hours,
       cpu_used_core_hours::VARCHAR AS cpu_used_core_hours, mem_used_gib_hours::VARCHAR AS mem_used_gib_hours,
       cpu_cost::VARCHAR AS cpu_cost, mem_cost::VARCHAR AS mem_cost, idle_cost::VARCHAR AS idle_cost, idle_policy
FROM cluster_stats
WHERE run_id = $1 AND cluster IN (SELECT cluster FROM allocation_lineage WHERE run_id = $1 AND team_id = $2 AND cluster IS NOT NULL)
ORDER BY cluster, currency;
