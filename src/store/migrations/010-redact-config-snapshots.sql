-- Allot store, schema version 10: no secret in the store.
-- Allocation runs keep the configuration they used (config_snapshot), to
-- recompute a closed month with it. Before this version that copy was the
-- resolved configuration, ${SMTP_PASSWORD} included. Runs now store it with
-- every secret replaced by "[redacted]" (src/config/redact.ts), and the
-- configuration hash is taken of that copy. Here the older rows get the same:
-- the password redacted, and the hash (which a password could be guessed
-- against) replaced by the SHA-256 of the redacted snapshot's text.
UPDATE allocation_runs
SET config_snapshot = json_merge_patch(config_snapshot, '{"smtp": {"password": "[redacted]"}}'),
    config_sha256 = sha256(json_merge_patch(config_snapshot, '{"smtp": {"password": "[redacted]"}}')::VARCHAR)
WHERE coalesce(json_extract_string(config_snapshot, '$.smtp.password'), '') NOT IN ('', '[redacted]');
