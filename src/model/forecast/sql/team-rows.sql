-- Each team's exact cost per charge type and service in a run, with the
-- source whose line items date it: the team's own (direct), a cluster's
-- (kubernetes, idle), a shared pool's (shared); none for adjustments.
-- $1 INTEGER run id   $2 VARCHAR team id (NULL: every team)
-- Returns: team_id, charge_type, service, currency, decimals, amount (exact text), src (NULL: not dated)
SELECT r.team_id, r.charge_type, r.service, r.currency, r.decimals, r.amount_exact::VARCHAR AS amount,
       CASE WHEN r.charge_type = 'direct' THEN 'team:' || r.team_id
            WHEN r.charge_type IN ('kubernetes', 'idle') THEN 'cluster:' || regexp_extract(r.service, '^Kubernetes \((.*)\)$', 1)
            WHEN r.charge_type = 'shared' THEN 'pool:' || coalesce((SELECT any_value(a.pool) FROM allocation_lineage a
                                        WHERE a.run_id = r.run_id AND a.team_id = r.team_id AND a.basis = 'shared'
                                          AND a.service = r.service AND a.currency = r.currency), '')
       END AS src
FROM chargeback_rows r
WHERE r.run_id = $1 AND r.team_id <> 'unallocated' AND ($2::VARCHAR IS NULL OR r.team_id = $2)
ORDER BY r.team_id, r.charge_type, r.service, r.currency;
