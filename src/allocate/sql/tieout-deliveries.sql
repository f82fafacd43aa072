-- Per billing account of a billing period: the exports its current rows came
-- from and the newest delivery among them.
-- $1 TIMESTAMP  first day of the billing period
-- $2 TIMESTAMP  first day of the next month
-- Returns: billing_account_id, exports (JSON list), delivery_id, imported_at, delivered_at (ISO text)
WITH imports_of AS (
  SELECT DISTINCT billing_account_id, import_id FROM line_items
  WHERE superseded_by IS NULL AND billing_period_start >= $1 AND billing_period_start < $2)
SELECT a.billing_account_id,
       to_json(list(DISTINCT d.export_key ORDER BY d.export_key))::VARCHAR AS exports,
       max(d.delivery_id) AS delivery_id,
       strftime(max(d.imported_at), '%Y-%m-%dT%H:%M:%SZ') AS imported_at,
       strftime(max(d.delivered_at), '%Y-%m-%dT%H:%M:%SZ') AS delivered_at
FROM imports_of a JOIN import_current_delivery c USING (import_id) JOIN deliveries d ON d.delivery_id = c.delivery_id
GROUP BY a.billing_account_id
ORDER BY a.billing_account_id;
