-- Hygiene: each team's cost, in its report's currency, that reached it only
-- through account ownership (no team tag).
-- $1 INTEGER run id   $2 JSON list of {team_id, currency}
-- Returns: team_id, account, service, amount (exact), line_items; per team largest first
WITH t AS (SELECT x.team_id, x.currency FROM (SELECT unnest(from_json($2::JSON, '[{"team_id":"VARCHAR","currency":"VARCHAR"}]')) AS x))
SELECT a.team_id, substr(a.detail, 9) AS account, a.service, sum(a.amount)::VARCHAR AS amount, sum(a.line_items)::VARCHAR AS line_items
FROM allocation_lineage a JOIN t ON t.team_id = a.team_id AND t.currency = a.currency
WHERE a.run_id = $1 AND a.target_kind = 'team' AND a.basis = 'account'
GROUP BY ALL ORDER BY a.team_id, abs(sum(a.amount)) DESC, account, a.service;
