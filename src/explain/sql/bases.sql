-- The lineage of a team's rows: every part with the basis that decided it, largest first.
-- $1 INTEGER run id   $2 VARCHAR team id
-- Returns: charge_type, service, currency, basis, detail, cluster, namespace, pool, cpu_core_hours, mem_gib_hours, weight, amount, line_items
SELECT charge_type, service, currency, basis, detail, cluster, namespace, pool,
       cpu_core_hours::VARCHAR AS cpu_core_hours, mem_gib_hours::VARCHAR AS mem_gib_hours, weight::VARCHAR AS weight,
       amount::VARCHAR AS amount, line_items::VARCHAR AS line_items
FROM allocation_lineage
WHERE run_id = $1 AND team_id = $2 AND target_kind <> 'pool'
ORDER BY charge_type, service, currency, abs(amount) DESC, detail;
