-- The share of a stored run's absolute cost that reached a team, per currency
-- (absolute, so a credit cannot push it above 100 %).
-- $1 INTEGER  run id
-- Returns: currency, percent (2 decimals)
SELECT currency,
       CASE WHEN sum(abs(amount)) = 0 THEN '100.00'
            ELSE (100 * sum(abs(amount)) FILTER (WHERE team_id <> 'unallocated') / sum(abs(amount)))::DECIMAL(6,2)::VARCHAR END AS percent
FROM chargeback_rows WHERE run_id = $1 GROUP BY currency ORDER BY currency;
