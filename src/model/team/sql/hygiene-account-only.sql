-- Hygiene: the team's cost that reached it only through account ownership (no team tag).
-- $1 INTEGER run id   $2 VARCHAR team id   $3 VARCHAR currency
-- Returns: account, service, amount (exact), line_items; largest first
SELECT substr(detail, 9) AS account, service, sum(amount)::VARCHAR AS amount, sum(line_items)::VARCHAR AS line_items
FROM allocation_lineage
WHERE run_id = $1 AND target_kind = 'team' AND team_id = $2 AND basis = 'account' AND currency = $3
GROUP BY ALL ORDER BY abs(sum(amount)) DESC, account, service;
