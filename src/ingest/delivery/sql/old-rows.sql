-- The current rows a restating delivery replaces, summarised as dlv_new is.
-- Reads: line_items, dlv_scope, dlv_old_imports.
-- Writes: dlv_old.
CREATE OR REPLACE TEMP TABLE dlv_old AS
SELECT l.billing_account_id, l.billing_period_start, l.import_id, CAST(l.charge_period_start AS DATE) AS day, l.sub_account_id,
       l.billing_currency, count(*) AS n, sum(l.billed_cost) AS billed
FROM line_items l JOIN dlv_scope s USING (billing_account_id, billing_period_start)
WHERE l.superseded_by IS NULL AND l.import_id IN (SELECT import_id FROM dlv_old_imports)
GROUP BY ALL;
