-- What the delivery's rows cover, per billing account, billing period,
-- import, charge day, sub-account and currency: small whatever its size.
-- Reads: line_items, dlv_parts.
-- Writes: dlv_new (n rows, billed BilledCost), dlv_scope (the billing
--         accounts and periods it covers).
CREATE OR REPLACE TEMP TABLE dlv_new AS
SELECT billing_account_id, billing_period_start, import_id, CAST(charge_period_start AS DATE) AS day, sub_account_id,
       billing_currency, count(*) AS n, sum(billed_cost) AS billed
FROM line_items WHERE import_id IN (SELECT import_id FROM dlv_parts) GROUP BY ALL;

CREATE OR REPLACE TEMP TABLE dlv_scope AS SELECT DISTINCT billing_account_id, billing_period_start FROM dlv_new;
