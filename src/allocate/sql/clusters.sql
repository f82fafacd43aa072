-- Step 2 — split each cluster pool by namespace usage.
-- Reads: owners, capacity and ns_usage (the snapshots summed: snapshots-build.sql),
--        cfg_clusters, cfg_system_namespaces, cfg_team_namespaces,
--        cfg_ns_labels, cfg_team_names.
-- Writes: cluster_parts (namespace cost, idle, and unallocated remainders).

-- C: the cost of each cluster's pool, per currency.
CREATE OR REPLACE TEMP TABLE cluster_pools AS
SELECT target_id AS cluster, currency, sum(cost) AS cost, sum(line_items) AS line_items
FROM owners
WHERE target_kind = 'cluster'
GROUP BY ALL;

-- Namespace owner, first that applies: a team's explicit namespaces; the
-- cluster's system namespaces (→ its system pool); the first configured label
-- present on the namespace (its latest labels in the period), mapped like a tag.
CREATE OR REPLACE TEMP TABLE ns_owner AS
WITH labelled AS (
  SELECT u.cluster, u.namespace,
         list_filter(list_transform(k.keys, key -> {'key': key, 'value': u.labels[key]}),
                     t -> coalesce(t.value, '') <> '')[1] AS label
  FROM ns_usage u
  CROSS JOIN cfg_ns_labels k
)
SELECT
  l.cluster, l.namespace,
  CASE
    WHEN tn.team_id IS NOT NULL THEN 'team'
    WHEN sn.namespace IS NOT NULL THEN 'pool'
    WHEN names.team_id IS NOT NULL THEN 'team'
    ELSE 'unallocated'
  END AS target_kind,
  coalesce(tn.team_id, CASE WHEN sn.namespace IS NOT NULL THEN c.system_pool END, names.team_id) AS target_id,
  CASE
    WHEN tn.team_id IS NOT NULL THEN 'team namespaces of ' || tn.team_id
    WHEN sn.namespace IS NOT NULL THEN 'system namespace of ' || l.cluster
    WHEN l.label IS NOT NULL THEN 'label ' || l.label.key || '=' || l.label.value
    ELSE 'no owner'
  END AS owner_detail,
  CASE
    WHEN tn.team_id IS NOT NULL OR sn.namespace IS NOT NULL OR names.team_id IS NOT NULL THEN NULL
    WHEN l.label IS NOT NULL THEN 'unknown team "' || l.label.value || '" in label ' || l.label.key || ' of namespace ' || l.namespace || ' in ' || l.cluster
    ELSE 'namespace ' || l.namespace || ' in ' || l.cluster || ' has no owner'
  END AS reason
FROM labelled l
JOIN cfg_clusters c ON c.cluster_id = l.cluster
LEFT JOIN cfg_team_namespaces tn ON tn.namespace = l.namespace
LEFT JOIN cfg_system_namespaces sn ON sn.cluster_id = l.cluster AND sn.namespace = l.namespace
LEFT JOIN cfg_team_names names ON names.name_lower = lower(l.label.value);

-- C_cpu = C·w, C_mem = C·(1−w), w = K_cpu·p_cpu / (K_cpu·p_cpu + K_mem·p_mem).
-- Memory is in bytes here, so the CPU weight is scaled by 2^30 to compare per GiB.
-- Core-seconds have at most 6 decimals and byte-seconds none: narrowing the
-- scale before multiplying keeps the products exact and inside 38 digits for
-- clusters of thousands of nodes (at scale 12 they overflowed).
CREATE OR REPLACE TEMP TABLE split_resource_in AS
SELECT {'cluster': p.cluster, 'currency': p.currency} AS grp, r.resource AS part, p.cost AS total, r.weight
FROM cluster_pools p
JOIN capacity k USING (cluster)
JOIN cfg_clusters c ON c.cluster_id = p.cluster
CROSS JOIN LATERAL (VALUES
  ('cpu', (k.cpu::DECIMAL(38,6) * c.p_cpu * 1073741824)::DECIMAL(38,12)),
  ('mem', (k.mem::DECIMAL(38,0) * c.p_mem)::DECIMAL(38,12))
) r(resource, weight)
WHERE k.cpu > 0 OR k.mem > 0;

CREATE OR REPLACE TEMP TABLE resource_costs AS
SELECT grp.cluster, grp.currency, part AS resource, amount
FROM split_by_weight('split_resource_in');

-- Each resource's cost among namespaces by U(n) / max(K, ΣU); the rest,
-- K − ΣU when usage is below capacity, is idle.
CREATE OR REPLACE TEMP TABLE usage_by_resource AS
SELECT cluster, 'cpu' AS resource, namespace, cpu AS usage FROM ns_usage
UNION ALL
SELECT cluster, 'mem', namespace, mem FROM ns_usage;

CREATE OR REPLACE TEMP TABLE usage_totals AS
SELECT k.cluster, r.resource, r.capacity, coalesce(u.total, 0) AS total
FROM capacity k
CROSS JOIN LATERAL (VALUES ('cpu', k.cpu), ('mem', k.mem)) r(resource, capacity)
LEFT JOIN (SELECT cluster, resource, sum(usage) AS total FROM usage_by_resource GROUP BY ALL) u USING (cluster, resource);

CREATE OR REPLACE TEMP TABLE split_ns_in AS
SELECT {'cluster': rc.cluster, 'currency': rc.currency, 'resource': rc.resource} AS grp,
       {'idle': false, 'namespace': u.namespace} AS part, rc.amount AS total, u.usage AS weight
FROM resource_costs rc
JOIN usage_by_resource u USING (cluster, resource)
JOIN usage_totals t USING (cluster, resource)
WHERE greatest(t.capacity, t.total) > 0
UNION ALL
SELECT {'cluster': rc.cluster, 'currency': rc.currency, 'resource': rc.resource},
       {'idle': true, 'namespace': NULL}, rc.amount, greatest(t.capacity, t.total) - t.total
FROM resource_costs rc
JOIN usage_totals t USING (cluster, resource)
WHERE t.capacity > t.total;

CREATE OR REPLACE TEMP TABLE ns_split AS
SELECT grp.cluster, grp.currency, grp.resource, part.idle, part.namespace, weight, amount
FROM split_by_weight('split_ns_in');

-- Idle policy "proportional": each namespace takes idle CPU by its U_cpu share
-- and idle memory by its U_mem share. Only possible where ΣU > 0.
CREATE OR REPLACE TEMP TABLE split_idle_in AS
SELECT {'cluster': i.cluster, 'currency': i.currency, 'resource': i.resource} AS grp,
       n.namespace AS part, i.amount AS total, n.weight
FROM ns_split i
JOIN cfg_clusters c ON c.cluster_id = i.cluster AND c.idle = 'proportional'
JOIN ns_split n ON n.cluster = i.cluster AND n.currency = i.currency AND n.resource = i.resource
               AND NOT n.idle AND n.weight > 0
WHERE i.idle;

CREATE OR REPLACE TEMP TABLE idle_split AS
SELECT grp.cluster, grp.currency, grp.resource, part AS namespace, weight, amount
FROM split_by_weight('split_idle_in');

-- Everything Step 2 decided, as parts that follow the namespace owner.
CREATE OR REPLACE TEMP TABLE cluster_parts AS
WITH ns_cost AS (
  SELECT cluster, currency, namespace, sum(amount) AS amount,
         sum(CASE WHEN resource = 'cpu' THEN weight END) AS cpu_s,
         sum(CASE WHEN resource = 'mem' THEN weight END) AS mem_bs
  FROM ns_split WHERE NOT idle GROUP BY ALL
),
ns_idle AS (
  SELECT cluster, currency, namespace, sum(amount) AS amount,
         sum(CASE WHEN resource = 'cpu' THEN weight END) AS cpu_s,
         sum(CASE WHEN resource = 'mem' THEN weight END) AS mem_bs
  FROM idle_split GROUP BY ALL
),
-- Idle that no namespace takes: another policy, or no usage to split it by.
idle_rest AS (
  SELECT i.cluster, i.currency, c.idle AS policy, c.system_pool, sum(i.amount) AS amount
  FROM ns_split i
  JOIN cfg_clusters c ON c.cluster_id = i.cluster
  WHERE i.idle
    AND NOT (c.idle = 'proportional' AND EXISTS (
      SELECT 1 FROM ns_split n WHERE n.cluster = i.cluster AND n.currency = i.currency
        AND n.resource = i.resource AND NOT n.idle AND n.weight > 0))
  GROUP BY ALL
)
SELECT o.target_kind, coalesce(o.target_id, 'unallocated') AS target_id,
       CASE o.target_kind WHEN 'team' THEN 'kubernetes' WHEN 'pool' THEN 'shared' ELSE 'unallocated' END AS charge_type,
       'Kubernetes (' || x.cluster || ')' AS service, x.currency,
       'namespace' AS basis, 'namespace ' || x.namespace || ' in ' || x.cluster || ' (' || o.owner_detail || ')' AS detail,
       o.reason, x.cluster, x.namespace, CASE o.target_kind WHEN 'pool' THEN o.target_id END AS pool,
       x.cpu_s, x.mem_bs, NULL::DECIMAL(38,12) AS weight, x.amount
FROM ns_cost x JOIN ns_owner o USING (cluster, namespace)
UNION ALL
SELECT o.target_kind, coalesce(o.target_id, 'unallocated'),
       CASE o.target_kind WHEN 'team' THEN 'idle' WHEN 'pool' THEN 'shared' ELSE 'unallocated' END,
       'Kubernetes (' || x.cluster || ')', x.currency,
       'idle', 'idle of ' || x.cluster || ' by usage share of namespace ' || x.namespace || ' (' || o.owner_detail || ')',
       o.reason, x.cluster, x.namespace, CASE o.target_kind WHEN 'pool' THEN o.target_id END,
       x.cpu_s, x.mem_bs, NULL, x.amount
FROM ns_idle x JOIN ns_owner o USING (cluster, namespace)
UNION ALL
SELECT CASE WHEN r.policy = 'platform' THEN 'pool' ELSE 'unallocated' END,
       CASE WHEN r.policy = 'platform' THEN r.system_pool ELSE 'unallocated' END,
       CASE WHEN r.policy = 'platform' THEN 'shared' ELSE 'unallocated' END,
       'Kubernetes (' || r.cluster || ')', r.currency,
       'idle', 'idle of ' || r.cluster || ' (idle policy ' || r.policy || ')',
       CASE
         WHEN r.policy = 'platform' THEN NULL
         WHEN r.policy = 'unallocated' THEN 'idle in cluster ' || r.cluster || ' (idle policy unallocated)'
         ELSE 'no usage in cluster ' || r.cluster
       END,
       r.cluster, NULL, CASE WHEN r.policy = 'platform' THEN r.system_pool END,
       NULL, NULL, NULL, r.amount
FROM idle_rest r
UNION ALL
-- A pool with cost but no snapshots in the period: never dropped.
SELECT 'unallocated', 'unallocated', 'unallocated', 'Kubernetes (' || p.cluster || ')', p.currency,
       'cluster', 'cluster ' || p.cluster || ' without usage data',
       'no usage data for cluster ' || p.cluster,
       p.cluster, NULL, NULL, NULL, NULL, NULL, p.cost
FROM cluster_pools p
LEFT JOIN capacity k USING (cluster)
WHERE k.cluster IS NULL OR (k.cpu = 0 AND k.mem = 0);
