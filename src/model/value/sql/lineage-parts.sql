-- The lineage a capability is matched against, in one currency: a team's own
-- parts (direct, kubernetes, idle), what fed each shared pool, and the share
-- of each pool each team received.
-- $1 INTEGER run id   $2 VARCHAR currency
-- Returns: kind (own | pool_input | share), target (team or pool id), charge_type,
--          service, cluster, namespace, pool, amount (exact)
SELECT CASE WHEN target_kind = 'pool' THEN 'pool_input' WHEN basis = 'shared' THEN 'share' ELSE 'own' END AS kind,
       team_id AS target, charge_type, service, cluster, namespace, pool, sum(amount)::VARCHAR AS amount
FROM allocation_lineage
WHERE run_id = $1 AND currency = $2
  AND (target_kind = 'pool' OR (target_kind = 'team' AND (basis = 'shared' OR charge_type IN ('direct', 'kubernetes', 'idle'))))
GROUP BY ALL
ORDER BY ALL;
