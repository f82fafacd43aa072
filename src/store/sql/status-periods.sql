-- Per charge period: current line items, their currencies and imports.
-- Returns: period, line_items, currencies (comma-separated), imports
SELECT period, count(*)::VARCHAR AS line_items, string_agg(DISTINCT billing_currency, ',') AS currencies,
       count(DISTINCT import_id)::VARCHAR AS imports
FROM line_items WHERE superseded_by IS NULL GROUP BY period ORDER BY period;
