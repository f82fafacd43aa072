-- The ids already used in the store, so a restarted step can tell its own writes apart.
-- Returns: import_id, run_id, send_id (0 when none)
SELECT (SELECT coalesce(max(import_id), 0) FROM imports)::INTEGER AS import_id,
       (SELECT coalesce(max(run_id), 0) FROM allocation_runs)::INTEGER AS run_id,
       (SELECT coalesce(max(send_id), 0) FROM send_log)::INTEGER AS send_id;
