-- What the export holds, for the command's report and the README: a split
-- charge has one row per target of its group.
-- Reads: focus_charges, focus_groups, focus_group_targets.
-- Returns: rows, split_rows, origin_charges, split_charges, line_items
WITH s AS (
  SELECT coalesce(sum(g.n_charges * t.n), 0) AS split_rows
  FROM focus_groups g JOIN (SELECT gid, count(*) AS n FROM focus_group_targets GROUP BY gid) t USING (gid)
)
SELECT ((SELECT count(*) FROM focus_charges WHERE gid IS NULL) + (SELECT split_rows FROM s))::VARCHAR AS rows,
       (SELECT split_rows FROM s)::VARCHAR AS split_rows,
       (SELECT count(*) FROM focus_charges)::VARCHAR AS origin_charges,
       (SELECT count(*) FROM focus_charges WHERE target_kind IN ('cluster', 'pool'))::VARCHAR AS split_charges,
       (SELECT coalesce(sum(line_items), 0) FROM focus_charges)::VARCHAR AS line_items;
