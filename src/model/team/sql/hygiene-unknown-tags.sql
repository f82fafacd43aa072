-- Hygiene: line items in the team's accounts whose team tag named no known team (unallocated).
-- $1 INTEGER owners run   $2 JSON list of the team's account ids   $3 VARCHAR currency   $4 VARCHAR cost measure
-- Returns: account, tag ("team=paymnts"), amount (exact), line_items; largest first
SELECT l.sub_account_id AS account, substr(o.detail, 5) AS tag,
       sum(line_item_cost($4, l.billed_cost, l.effective_cost, l.list_cost))::VARCHAR AS amount, count(*)::VARCHAR AS line_items
FROM line_item_owners o JOIN line_items l USING (li_id)
WHERE o.run_id = $1 AND o.target_kind = 'unallocated' AND o.basis = 'tag'
  AND list_contains(from_json($2::JSON, '["VARCHAR"]'), l.sub_account_id) AND l.billing_currency = $3
GROUP BY ALL ORDER BY abs(sum(line_item_cost($4, l.billed_cost, l.effective_cost, l.list_cost))) DESC, account, tag;
