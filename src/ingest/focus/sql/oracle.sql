-- Whether the imports hold rows and every one of them is Oracle's (by provider or invoice issuer).
-- $1 VARCHAR the import ids (JSON array)
-- Returns: oracle
SELECT count(*) > 0 AND bool_and(coalesce(lower(provider_name) LIKE 'oracle%' OR lower(invoice_issuer_name) LIKE 'oracle%', false)) AS oracle
FROM line_items WHERE import_id IN (SELECT unnest(from_json($1, '["INTEGER"]')));
