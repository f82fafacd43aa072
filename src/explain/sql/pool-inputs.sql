-- What fed the shared pools a team receives from, by basis, largest first.
-- $1 INTEGER run id   $2 VARCHAR team id
-- Returns: pool, currency, basis, detail, service, amount
SELECT team_id AS pool, currency, basis, detail, service, sum(amount)::VARCHAR AS amount
FROM allocation_lineage
WHERE run_id = $1 AND target_kind = 'pool'
  AND team_id IN (SELECT DISTINCT pool FROM allocation_lineage WHERE run_id = $1 AND team_id = $2 AND basis = 'shared')
GROUP BY ALL ORDER BY pool, currency, abs(sum(amount)) DESC, detail;
