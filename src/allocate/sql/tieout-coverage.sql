-- Per billing account of a billing period: the charge days its current rows
-- cover inside the month, its sub-accounts, and the rows whose charge period
-- starts outside it (they are attributed in the month they start in).
-- $1 TIMESTAMP  first day of the billing period
-- $2 TIMESTAMP  first day of the next month
-- Returns: billing_account_id, days (JSON list of YYYY-MM-DD), sub_accounts (JSON list),
--          outside (JSON list of {month, currency, rows, billed})
WITH rows AS (
  SELECT billing_account_id, charge_period_start, sub_account_id, billing_currency, billed_cost,
         charge_period_start >= $1 AND charge_period_start < $2 AS inside
  FROM line_items
  WHERE superseded_by IS NULL AND billing_period_start >= $1 AND billing_period_start < $2),
outside AS (
  SELECT billing_account_id,
         to_json(list({'month': month, 'currency': billing_currency, 'rows': n, 'billed': billed} ORDER BY month, billing_currency)) AS outside
  FROM (SELECT billing_account_id, strftime(charge_period_start, '%Y-%m') AS month, billing_currency,
               count(*) AS n, sum(billed_cost)::VARCHAR AS billed
        FROM rows WHERE NOT inside GROUP BY ALL)
  GROUP BY billing_account_id)
SELECT r.billing_account_id,
       to_json(coalesce(list(DISTINCT strftime(charge_period_start, '%Y-%m-%d')) FILTER (WHERE inside), []))::VARCHAR AS days,
       to_json(coalesce(list(DISTINCT sub_account_id) FILTER (WHERE sub_account_id IS NOT NULL), []))::VARCHAR AS sub_accounts,
       coalesce(any_value(o.outside), '[]')::VARCHAR AS outside
FROM rows r LEFT JOIN outside o USING (billing_account_id)
GROUP BY r.billing_account_id
ORDER BY r.billing_account_id;
