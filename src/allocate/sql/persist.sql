-- Writes a computed run into the store (inside the caller's transaction):
-- the run, its exact and rounded rows, the lineage, the cluster and
-- namespace figures, and each class's owner (kept for the latest run of a
-- period only; line_item_owners shows them per line item).
-- Reads: persist_params (run_id, period, cost_metric, config_sha256,
-- config_snapshot, inputs_sha256, line_items, started_at, finished_at),
-- run_params, cfg_teams, rounded_rows, parts, owners, input_scan and the step tables.

-- input_seq: the highest import or delivery id so far; the run read the
-- period's rows imported by then and not superseded by then.
INSERT INTO allocation_runs BY NAME
SELECT x.run_id, x.period, x.cost_metric, x.config_sha256, x.config_snapshot::JSON AS config_snapshot, x.inputs_sha256, x.line_items,
       x.started_at, x.finished_at,
       greatest((SELECT coalesce(max(import_id), 0) FROM imports), (SELECT coalesce(max(delivery_id), 0) FROM deliveries),
                (SELECT coalesce(max(import_id), 0) FROM input_scan)) AS input_seq
FROM persist_params x;

INSERT INTO allocations
SELECT x.run_id, x.period, r.team_id, r.charge_type, r.service, r.currency, r.amount_exact, r.line_items, r.corrects_period
FROM rounded_rows r, persist_params x;

INSERT INTO chargeback_rows
SELECT x.run_id, x.period, r.team_id,
       coalesce(t.name, 'Unallocated'), coalesce(t.cost_center, p.unallocated_cost_center),
       coalesce(t.gl_account, p.unallocated_gl_account), coalesce(t.mode, 'showback'),
       r.charge_type, r.service, r.currency, r.decimals, r.amount_exact, r.amount, r.line_items, r.corrects_period
FROM rounded_rows r CROSS JOIN run_params p CROSS JOIN persist_params x LEFT JOIN cfg_teams t ON t.team_id = r.team_id;

INSERT INTO allocation_lineage
SELECT x.run_id, t.target_kind, t.target_id, t.charge_type, t.service, t.currency, t.basis, t.detail, t.reason, t.cluster, t.namespace, t.pool,
       (t.cpu_s / 3600)::DECIMAL(38,6), (t.mem_bs / 3600 / 1073741824)::DECIMAL(38,6), t.weight, t.amount, t.line_items, t.src
FROM parts t, persist_params x;

INSERT INTO cluster_stats
SELECT x.run_id, p.cluster, p.currency, p.cost, p.line_items,
       (k.cpu / 3600)::DECIMAL(38,6), (k.mem / 3600 / 1073741824)::DECIMAL(38,6),
       (ucpu.total / 3600)::DECIMAL(38,6), (umem.total / 3600 / 1073741824)::DECIMAL(38,6),
       (SELECT amount FROM resource_costs r WHERE r.cluster = p.cluster AND r.currency = p.currency AND r.resource = 'cpu'),
       (SELECT amount FROM resource_costs r WHERE r.cluster = p.cluster AND r.currency = p.currency AND r.resource = 'mem'),
       (SELECT sum(amount) FROM ns_split n WHERE n.cluster = p.cluster AND n.currency = p.currency AND n.idle),
       c.idle
FROM cluster_pools p
CROSS JOIN persist_params x
JOIN cfg_clusters c ON c.cluster_id = p.cluster
LEFT JOIN capacity k USING (cluster)
LEFT JOIN usage_totals ucpu ON ucpu.cluster = p.cluster AND ucpu.resource = 'cpu'
LEFT JOIN usage_totals umem ON umem.cluster = p.cluster AND umem.resource = 'mem';

INSERT INTO namespace_stats
SELECT x.run_id, u.cluster, u.namespace, p.currency, o.target_kind, coalesce(o.target_id, 'unallocated'),
       (u.cpu_request / 3600)::DECIMAL(38,6), (u.cpu_usage / 3600)::DECIMAL(38,6),
       (u.mem_request / 3600 / 1073741824)::DECIMAL(38,6), (u.mem_usage / 3600 / 1073741824)::DECIMAL(38,6),
       (u.cpu / 3600)::DECIMAL(38,6), (u.mem / 3600 / 1073741824)::DECIMAL(38,6),
       u.samples_with_usage > 0,
       coalesce((SELECT sum(amount) FROM ns_split n WHERE n.cluster = u.cluster AND n.currency = p.currency AND n.namespace = u.namespace AND NOT n.idle), 0),
       coalesce((SELECT sum(amount) FROM idle_split i WHERE i.cluster = u.cluster AND i.currency = p.currency AND i.namespace = u.namespace), 0)
FROM ns_usage u
CROSS JOIN persist_params x
JOIN ns_owner o USING (cluster, namespace)
JOIN cluster_pools p USING (cluster);

DELETE FROM class_owners
WHERE run_id IN (SELECT a.run_id FROM allocation_runs a, persist_params x WHERE a.period = x.period AND a.run_id <> x.run_id);

INSERT INTO class_owners
SELECT x.run_id, o.class_key, o.target_kind, o.target_id, o.basis, o.detail, o.reason FROM owners o, persist_params x;

DROP TABLE persist_params;
