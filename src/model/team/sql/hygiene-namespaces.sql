-- Hygiene: per team, unowned namespaces (in its report's currency) whose name contains one of the team's names.
-- $1 INTEGER run id   $2 JSON list of {team_id, currency, names (lower-case: team id, aliases)}
-- Returns: team_id, cluster, namespace, amount (cost + idle, exact), reason; per team largest first
WITH t AS (SELECT x.team_id, x.currency, x.names
           FROM (SELECT unnest(from_json($2::JSON, '[{"team_id":"VARCHAR","currency":"VARCHAR","names":["VARCHAR"]}]')) AS x))
SELECT t.team_id, n.cluster, n.namespace, (n.cost + n.idle_cost)::VARCHAR AS amount,
       coalesce((SELECT any_value(a.reason) FROM allocation_lineage a
                 WHERE a.run_id = n.run_id AND a.target_kind = 'unallocated' AND a.cluster = n.cluster
                   AND a.namespace = n.namespace AND a.reason IS NOT NULL), 'no owner') AS reason
FROM namespace_stats n JOIN t ON t.currency = n.currency
WHERE n.run_id = $1 AND n.owner_kind = 'unallocated'
  AND len(list_filter(t.names, x -> contains(lower(n.namespace), x))) > 0
ORDER BY t.team_id, n.cost + n.idle_cost DESC, n.cluster, n.namespace;
