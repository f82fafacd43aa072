-- Per team and currency: a stored run's rounded amount (before) against
-- whatif_rows (after: a dry run's rounded_rows, or another stored run's rows).
-- $1 INTEGER  the stored run (0: none published)
-- Returns: team_id, currency, decimals, before, after, change (decimal text; rounded amounts, so exact)
WITH b AS (SELECT team_id, currency, sum(amount) AS amount FROM chargeback_rows WHERE run_id = $1 GROUP BY ALL),
     a AS (SELECT team_id, currency, sum(amount) AS amount FROM whatif_rows GROUP BY ALL),
     d AS (SELECT currency, max(decimals) AS d FROM (SELECT currency, decimals FROM chargeback_rows WHERE run_id = $1
                                                   UNION ALL SELECT currency, decimals FROM whatif_rows) GROUP BY ALL)
SELECT team_id, currency, coalesce(d.d, 2)::INTEGER AS decimals,
       coalesce(b.amount, 0)::VARCHAR AS before,
       coalesce(a.amount, 0)::VARCHAR AS after,
       (coalesce(a.amount, 0) - coalesce(b.amount, 0))::VARCHAR AS change
FROM b FULL JOIN a USING (team_id, currency) LEFT JOIN d USING (currency)
ORDER BY team_id = 'unallocated', team_id, currency;
