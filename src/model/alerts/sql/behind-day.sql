-- A team's line items of one service on one day, largest first: what is behind an anomalous day.
-- $1 INTEGER owners run   $2 VARCHAR team id   $3 VARCHAR currency   $4 VARCHAR service   $5 DATE day   $6 VARCHAR cost metric   $7 INTEGER how many
-- Returns: kind, label, amount (exact text), line_items
SELECT 'line items' AS kind,
       coalesce(nullif(l.resource_id, ''), '(no resource id)') || coalesce(' — ' || nullif(l.charge_description, ''), '') AS label,
       sum(line_item_cost($6, l.billed_cost, l.effective_cost, l.list_cost))::VARCHAR AS amount, count(*)::VARCHAR AS line_items
FROM run_line_items l
WHERE l.run_id = $1 AND l.target_kind = 'team' AND l.target_id = $2 AND l.billing_currency = $3
  AND coalesce(nullif(l.service_name, ''), 'Unknown service') = $4 AND l.charge_period_start::DATE = $5::DATE
GROUP BY ALL
ORDER BY sum(line_item_cost($6, l.billed_cost, l.effective_cost, l.list_cost)) DESC, label LIMIT $7;
