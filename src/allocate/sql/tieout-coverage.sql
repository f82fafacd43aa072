-- Per billing account of a billing period: the charge days its current rows
-- cover inside the month, its sub-accounts, and the rows whose charge period
-- starts outside it (they are attributed in the month they start in).
-- $1 TIMESTAMP  first day of the billing period
-- $2 TIMESTAMP  first day of the next month
-- Returns: billing_account_id, days (JSON list of YYYY-MM-DD), sub_accounts (JSON list),
--          outside (JSON list of {month, currency, rows, billed})
-- One pass groups the rows by account, day, sub-account and currency (a few
-- thousand groups for a hundred million rows); only the groups are formatted.
WITH grouped AS (
  SELECT billing_account_id, date_trunc('day', charge_period_start) AS day, sub_account_id, billing_currency,
         count(*) AS n, sum(billed_cost) AS billed
  FROM line_items
  WHERE superseded_by IS NULL AND billing_period_start >= $1 AND billing_period_start < $2
  GROUP BY ALL),
rows AS (SELECT *, day >= $1 AND day < $2 AS inside FROM grouped),
outside AS (
  SELECT billing_account_id,
         to_json(list({'month': month, 'currency': billing_currency, 'rows': n, 'billed': billed} ORDER BY month, billing_currency)) AS outside
  FROM (SELECT billing_account_id, strftime(day, '%Y-%m') AS month, billing_currency,
               sum(n) AS n, sum(billed)::VARCHAR AS billed
        FROM rows WHERE NOT inside GROUP BY ALL)
  GROUP BY billing_account_id)
SELECT r.billing_account_id,
       to_json(coalesce(list(DISTINCT strftime(day, '%Y-%m-%d') ORDER BY strftime(day, '%Y-%m-%d')) FILTER (WHERE inside), []))::VARCHAR AS days,
       to_json(coalesce(list(DISTINCT sub_account_id ORDER BY sub_account_id) FILTER (WHERE sub_account_id IS NOT NULL), []))::VARCHAR AS sub_accounts,
       coalesce(any_value(o.outside), '[]')::VARCHAR AS outside
FROM rows r LEFT JOIN outside o USING (billing_account_id)
GROUP BY r.billing_account_id
ORDER BY r.billing_account_id;
