-- The line items behind a run's direct and pooled charges, summed per owner,
-- service, account and tags (what accounts and tags matchers read).
-- $1 INTEGER run id   $2 VARCHAR currency   $3 VARCHAR cost measure (EffectiveCost | BilledCost | ListCost)
-- Returns: target_kind (team | pool), target_id, service, account, tags (JSON), amount (exact)
SELECT target_kind, target_id, coalesce(nullif(service_name, ''), 'Unknown service') AS service,
       sub_account_id AS account, to_json(tags)::VARCHAR AS tags,
       sum(line_item_cost($3, billed_cost, effective_cost, list_cost))::VARCHAR AS amount
FROM run_line_items
WHERE run_id = $1 AND billing_currency = $2 AND target_kind IN ('team', 'pool')
GROUP BY ALL
ORDER BY ALL;
