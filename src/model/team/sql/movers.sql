-- What moved since last month: services outside Kubernetes, and namespaces
-- (cost + idle); together they partition the team's total. Largest change first.
-- $1 INTEGER run id   $2 INTEGER last month's run id   $3 VARCHAR team id   $4 VARCHAR currency
-- Returns: kind ('service' | 'namespace'), name, current, previous, change (exact decimal text),
--          percent (one decimal, NULL when last month was 0)
WITH svc AS (
  SELECT 'service' AS kind, service AS name,
         coalesce(sum(amount) FILTER (WHERE run_id = $1), 0) AS cur,
         coalesce(sum(amount) FILTER (WHERE run_id = $2), 0) AS prev
  FROM chargeback_rows
  WHERE run_id IN ($1, $2) AND team_id = $3 AND currency = $4 AND charge_type NOT IN ('kubernetes', 'idle')
  GROUP BY service
),
ns AS (
  SELECT 'namespace' AS kind, namespace || ' in ' || cluster AS name,
         coalesce(sum(cost + idle_cost) FILTER (WHERE run_id = $1), 0) AS cur,
         coalesce(sum(cost + idle_cost) FILTER (WHERE run_id = $2), 0) AS prev
  FROM namespace_stats
  WHERE run_id IN ($1, $2) AND owner_kind = 'team' AND owner_id = $3 AND currency = $4
  GROUP BY cluster, namespace
),
m AS (SELECT * FROM svc UNION ALL SELECT * FROM ns)
SELECT kind, name, cur::VARCHAR AS current, prev::VARCHAR AS previous, (cur - prev)::VARCHAR AS change,
       CASE WHEN prev <> 0 THEN (((cur - prev) * 100)::DOUBLE / abs(prev)::DOUBLE)::DECIMAL(38,1)::VARCHAR END AS percent
FROM m WHERE cur <> prev
ORDER BY abs(cur - prev) DESC, kind, name;
