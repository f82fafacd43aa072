-- Per billing period and currency: the store's totals of the imports just made against the export's
-- own totals gathered while reading its files (cur_export_totals).
-- $1 VARCHAR the import ids (JSON array)
-- Returns: billing_period, currency, n, billed, effective, x_unblended, x_amortised (decimal text; NULL where
-- one side has no rows), ok (both totals match to the cent and the row counts are equal)
WITH stored AS (
  SELECT strftime(billing_period_start, '%Y-%m') AS billing_period, billing_currency AS currency,
         count(*) AS n, sum(billed_cost) AS billed, sum(effective_cost) AS effective
  FROM line_items WHERE import_id IN (SELECT unnest(from_json($1, '["INTEGER"]')))
  GROUP BY ALL),
exported AS (
  SELECT billing_period, currency, sum(n_rows) AS n, sum(unblended) AS unblended, sum(amortised) AS amortised
  FROM cur_export_totals GROUP BY ALL)
SELECT billing_period, currency, coalesce(s.n, 0)::VARCHAR AS n,
       s.billed::VARCHAR AS billed, s.effective::VARCHAR AS effective,
       x.unblended::VARCHAR AS x_unblended, x.amortised::VARCHAR AS x_amortised,
       coalesce(round(s.billed, 2) = round(x.unblended, 2) AND round(s.effective, 2) = round(x.amortised, 2)
                AND s.n = x.n, false) AS ok
FROM stored s FULL JOIN exported x USING (billing_period, currency)
ORDER BY billing_period, currency;
