-- How many line items the period's bill (input_bill, inputs.sql) holds.
-- No parameters.
-- Returns: n
SELECT coalesce(sum(line_items), 0) AS n FROM input_bill;
