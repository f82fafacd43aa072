-- A stored run's unallocated amounts by reason, largest first (ten).
-- $1 INTEGER  run id
-- Returns: reason, currency, amount (2 decimals), line_items
SELECT coalesce(reason, detail) AS reason, currency, sum(amount)::DECIMAL(38,2)::VARCHAR AS amount,
       sum(line_items)::VARCHAR AS line_items
FROM allocation_lineage WHERE run_id = $1 AND target_kind = 'unallocated'
GROUP BY ALL ORDER BY abs(sum(amount)) DESC, reason LIMIT 10;
