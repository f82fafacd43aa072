-- Hygiene: per team, line items in its accounts (in its report's currency)
-- whose team tag named no known team (unallocated).
-- Reads: owner_unknown_tags (owner-sums.sql).
-- $1 JSON list of {team_id, currency, accounts (the team's account ids)}
-- Returns: team_id, account, tag ("team=paymnts"), amount (exact), line_items; per team largest first
WITH t AS (SELECT x.team_id, x.currency, x.accounts
           FROM (SELECT unnest(from_json($1::JSON, '[{"team_id":"VARCHAR","currency":"VARCHAR","accounts":["VARCHAR"]}]')) AS x))
SELECT t.team_id, u.account, u.tag, sum(u.amount)::VARCHAR AS amount, sum(u.line_items)::VARCHAR AS line_items
FROM owner_unknown_tags u JOIN t ON list_contains(t.accounts, u.account) AND t.currency = u.currency
GROUP BY ALL ORDER BY t.team_id, abs(sum(u.amount)) DESC, u.account, u.tag;
