-- Rows kept under a name for one version of the line items.
-- $1 VARCHAR  name; $2 VARCHAR  version
-- Returns: rows (JSON text); no row when none were kept for that version.
SELECT rows::VARCHAR AS rows FROM input_facts WHERE name = $1 AND fingerprint = $2;
