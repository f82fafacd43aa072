-- The conservation check of a computed run, per currency (see round.sql).
-- Reads: reconciliation
-- Returns: currency, bill_exact, bill_rounded, adjustments, allocated_exact, allocated_rounded, line_items (text), ok
SELECT currency, bill_exact::VARCHAR AS bill_exact, bill_rounded::VARCHAR AS bill_rounded, adjustments::VARCHAR AS adjustments,
       allocated_exact::VARCHAR AS allocated_exact, allocated_rounded::VARCHAR AS allocated_rounded,
       line_items::VARCHAR AS line_items, ok
FROM reconciliation ORDER BY currency;
