-- What a computed run read: its line items and snapshots per import, as text to hash.
-- Reads: input_fingerprints
-- Returns: fp
SELECT line_items || '|' || snapshots AS fp FROM input_fingerprints;
