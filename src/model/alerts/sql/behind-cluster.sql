-- A team's namespaces in one cluster, largest first (cost and the idle they carry, the month so far).
-- $1 INTEGER run id   $2 VARCHAR team id   $3 VARCHAR currency   $4 VARCHAR cluster   $5 INTEGER how many
-- Returns: kind, label, amount (exact text), line_items (NULL)
SELECT 'namespace' AS kind, 'namespace ' || n.namespace || ' in ' || n.cluster AS label, (n.cost + n.idle_cost)::VARCHAR AS amount, NULL AS line_items
FROM namespace_stats n
WHERE n.run_id = $1 AND n.owner_kind = 'team' AND n.owner_id = $2 AND n.currency = $3 AND n.cluster = $4
ORDER BY n.cost + n.idle_cost DESC, label LIMIT $5;
