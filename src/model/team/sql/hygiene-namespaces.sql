-- Hygiene: unowned namespaces whose name contains one of the team's names.
-- $1 INTEGER run id   $2 VARCHAR currency   $3 JSON list of lower-case names (team id, aliases)
-- Returns: cluster, namespace, amount (cost + idle, exact), reason; largest first
SELECT n.cluster, n.namespace, (n.cost + n.idle_cost)::VARCHAR AS amount,
       coalesce((SELECT any_value(a.reason) FROM allocation_lineage a
                 WHERE a.run_id = n.run_id AND a.target_kind = 'unallocated' AND a.cluster = n.cluster
                   AND a.namespace = n.namespace AND a.reason IS NOT NULL), 'no owner') AS reason
FROM namespace_stats n
WHERE n.run_id = $1 AND n.owner_kind = 'unallocated' AND n.currency = $2
  AND len(list_filter(from_json($3::JSON, '["VARCHAR"]'), x -> contains(lower(n.namespace), x))) > 0
ORDER BY n.cost + n.idle_cost DESC, n.cluster, n.namespace;
