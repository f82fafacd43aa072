-- What moved since last month, per team in its report's currency: services
-- outside Kubernetes, and namespaces (cost + idle); together they partition
-- the team's total. Per team, largest change first.
-- $1 INTEGER run id   $2 INTEGER last month's run id   $3 JSON list of {team_id, currency}
-- Returns: team_id, kind ('service' | 'namespace'), name, current, previous, change (exact decimal text),
--          percent (one decimal, NULL when last month was 0)
WITH t AS (SELECT x.team_id, x.currency FROM (SELECT unnest(from_json($3::JSON, '[{"team_id":"VARCHAR","currency":"VARCHAR"}]')) AS x)),
svc AS (
  SELECT r.team_id, 'service' AS kind, r.service AS name,
         coalesce(sum(r.amount) FILTER (WHERE r.run_id = $1), 0) AS cur,
         coalesce(sum(r.amount) FILTER (WHERE r.run_id = $2), 0) AS prev
  FROM chargeback_rows r JOIN t ON t.team_id = r.team_id AND t.currency = r.currency
  WHERE r.run_id IN ($1, $2) AND r.charge_type NOT IN ('kubernetes', 'idle')
  GROUP BY r.team_id, r.service
),
ns AS (
  SELECT n.owner_id AS team_id, 'namespace' AS kind, n.namespace || ' in ' || n.cluster AS name,
         coalesce(sum(n.cost + n.idle_cost) FILTER (WHERE n.run_id = $1), 0) AS cur,
         coalesce(sum(n.cost + n.idle_cost) FILTER (WHERE n.run_id = $2), 0) AS prev
  FROM namespace_stats n JOIN t ON t.team_id = n.owner_id AND t.currency = n.currency
  WHERE n.run_id IN ($1, $2) AND n.owner_kind = 'team'
  GROUP BY n.owner_id, n.cluster, n.namespace
),
m AS (SELECT * FROM svc UNION ALL SELECT * FROM ns)
SELECT team_id, kind, name, cur::VARCHAR AS current, prev::VARCHAR AS previous, (cur - prev)::VARCHAR AS change,
       CASE WHEN prev <> 0 THEN (((cur - prev) * 100)::DOUBLE / abs(prev)::DOUBLE)::DECIMAL(38,1)::VARCHAR END AS percent
FROM m WHERE cur <> prev
ORDER BY team_id, abs(cur - prev) DESC, kind, name;
