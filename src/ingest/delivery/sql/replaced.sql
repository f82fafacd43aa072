-- Per billing account and period, the deliveries whose rows are replaced.
-- Reads: dlv_old, import_current_delivery.
-- Returns: billing_account_id, billing_period (YYYY-MM), deliveries (JSON list of ids).
SELECT o.billing_account_id, strftime(o.billing_period_start, '%Y-%m') AS billing_period,
       to_json(list(DISTINCT c.delivery_id ORDER BY c.delivery_id))::VARCHAR AS deliveries
FROM dlv_old o JOIN import_current_delivery c USING (import_id)
GROUP BY ALL;
