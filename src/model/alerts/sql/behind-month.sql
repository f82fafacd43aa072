-- What a team's month consists of, largest first: its own line items grouped
-- by service and resource, and its Kubernetes namespaces (cost and the idle
-- they carry), for an alert's "behind it".
-- $1 INTEGER owners run   $2 INTEGER run id   $3 VARCHAR team id   $4 VARCHAR currency   $5 VARCHAR cost metric   $6 INTEGER how many
-- Returns: kind ('line items' | 'namespace'), label, amount (exact text), line_items
SELECT * FROM (
  SELECT 'line items' AS kind,
         coalesce(nullif(l.service_name, ''), 'Unknown service') || coalesce(' ' || nullif(l.resource_id, ''), '') AS label,
         sum(line_item_cost($5, l.billed_cost, l.effective_cost, l.list_cost))::VARCHAR AS amount, count(*)::VARCHAR AS line_items
  FROM run_line_items l
  WHERE l.run_id = $1 AND l.target_kind = 'team' AND l.target_id = $3 AND l.billing_currency = $4
  GROUP BY ALL
  UNION ALL
  SELECT 'namespace', 'namespace ' || n.namespace || ' in ' || n.cluster, (n.cost + n.idle_cost)::VARCHAR, NULL
  FROM namespace_stats n
  WHERE n.run_id = $2 AND n.owner_kind = 'team' AND n.owner_id = $3 AND n.currency = $4
)
ORDER BY amount::DECIMAL(38,12) DESC, label LIMIT $6;
