-- A stored run per team and currency: total and the split by charge type (unallocated last).
-- $1 INTEGER  run id
-- Returns: team_id, currency, total, direct, kubernetes, idle, shared, unallocated (text; NULL: none)
SELECT team_id, currency,
       sum(amount)::VARCHAR AS total,
       sum(amount) FILTER (WHERE charge_type = 'direct')::VARCHAR AS direct,
       sum(amount) FILTER (WHERE charge_type = 'kubernetes')::VARCHAR AS kubernetes,
       sum(amount) FILTER (WHERE charge_type = 'idle')::VARCHAR AS idle,
       sum(amount) FILTER (WHERE charge_type = 'shared')::VARCHAR AS shared,
       sum(amount) FILTER (WHERE charge_type = 'unallocated')::VARCHAR AS unallocated
FROM chargeback_rows WHERE run_id = $1
GROUP BY team_id, currency ORDER BY team_id = 'unallocated', team_id, currency;
