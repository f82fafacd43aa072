-- Rows set aside by --skip-invalid in imports whose rows are current, per
-- billing account and billing period as far as they could be read (a row
-- whose period could not be read counts for the periods its import covers).
-- $1 VARCHAR  billing period (YYYY-MM)
-- Returns: billing_account_id (NULL: unreadable), import_id, rows, currency, billed (NULL: unreadable), unreadable_amounts
SELECT r.billing_account_id, r.import_id, r.currency, count(*)::INTEGER AS rows,
       sum(r.billed_cost)::VARCHAR AS billed, count(*) FILTER (WHERE r.billed_cost IS NULL)::INTEGER AS unreadable_amounts
FROM rejects r JOIN imports i USING (import_id)
WHERE i.status = 'active'
  AND (r.billing_period = $1
       OR (r.billing_period IS NULL
           AND list_contains(list_transform(from_json(i.coverage, '[{"billing_period_start": "VARCHAR"}]'), c -> left(c.billing_period_start, 7)), $1)))
GROUP BY ALL
ORDER BY r.billing_account_id NULLS LAST, r.import_id, r.currency;
