-- A version of the store's line items that changes whenever they do: the
-- newest import and delivery, and how many rows there are and are current.
-- Returns: v (text).
SELECT concat_ws(':', (SELECT coalesce(max(import_id), 0) FROM imports), (SELECT coalesce(max(delivery_id), 0) FROM deliveries),
                 (SELECT count(*) FROM line_items), (SELECT count(*) FILTER (WHERE superseded_by IS NULL) FROM line_items)) AS v;
