-- What the export holds, for the command's report and the README.
-- Reads: focus_rows, focus_charges.
-- Returns: rows, split_rows, origin_charges, split_charges, line_items
SELECT (SELECT count(*) FROM focus_rows)::VARCHAR AS rows,
       (SELECT count(*) FROM focus_rows WHERE AllocatedMethodId IS NOT NULL)::VARCHAR AS split_rows,
       (SELECT count(*) FROM focus_charges)::VARCHAR AS origin_charges,
       (SELECT count(*) FROM focus_charges WHERE target_kind IN ('cluster', 'pool'))::VARCHAR AS split_charges,
       (SELECT coalesce(sum(line_items), 0) FROM focus_charges)::VARCHAR AS line_items;
