-- A team's billing sub-accounts (Cost Insights' "projects"): those of the line
-- items that reached it directly in the newest period's run.
-- $1 VARCHAR team id
-- Returns: id, name
WITH latest AS (SELECT max(period) AS month FROM allocation_runs),
r AS (SELECT period_run_id(month) AS run_id FROM latest)
SELECT sub_account_id AS id, max(sub_account_name) AS name
FROM run_line_items
WHERE run_id = (SELECT run_id FROM r) AND target_kind = 'team' AND target_id = $1 AND sub_account_id IS NOT NULL
GROUP BY 1 ORDER BY 1;
