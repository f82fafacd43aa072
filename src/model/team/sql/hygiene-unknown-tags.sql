-- Hygiene: line items in the team's accounts whose team tag named no known team (unallocated).
-- Reads: owner_unknown_tags (owner-sums.sql).
-- $1 JSON list of the team's account ids   $2 VARCHAR currency
-- Returns: account, tag ("team=paymnts"), amount (exact), line_items; largest first
SELECT account, tag, sum(amount)::VARCHAR AS amount, sum(line_items)::VARCHAR AS line_items
FROM owner_unknown_tags
WHERE list_contains(from_json($1::JSON, '["VARCHAR"]'), account) AND currency = $2
GROUP BY ALL ORDER BY abs(sum(amount)) DESC, account, tag;
