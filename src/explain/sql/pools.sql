-- The shared pools a team receives from: its weight against all receivers', the pool's total.
-- $1 INTEGER run id   $2 VARCHAR team id
-- Returns: pool, currency, team_weight, total_weight, total (the pool's cost)
WITH mine AS (SELECT DISTINCT pool FROM allocation_lineage WHERE run_id = $1 AND team_id = $2 AND basis = 'shared'),
w AS (
  SELECT pool, currency, sum(weight) FILTER (WHERE team_id = $2)::VARCHAR AS team_weight, sum(weight)::VARCHAR AS total_weight
  FROM allocation_lineage WHERE run_id = $1 AND basis = 'shared' AND target_kind = 'team' AND pool IN (SELECT pool FROM mine)
  GROUP BY ALL),
t AS (
  SELECT team_id AS pool, currency, sum(amount)::VARCHAR AS total
  FROM allocation_lineage WHERE run_id = $1 AND target_kind = 'pool' AND team_id IN (SELECT pool FROM mine)
  GROUP BY ALL)
SELECT w.pool, w.currency, w.team_weight, w.total_weight, coalesce(t.total, '0') AS total
FROM w LEFT JOIN t USING (pool, currency) ORDER BY w.pool, w.currency;
