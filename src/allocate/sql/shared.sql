-- Step 3 — distribute shared pools.
-- Reads: owners, cluster_parts, cluster_pools, cfg_pools, cfg_pool_weights, cfg_teams.
-- Writes: parts — every allocation part of the period with its basis
--         (the lineage), before rounding.

-- Line items of Step 1 that went straight to a team, a pool or unallocated.
CREATE OR REPLACE TEMP TABLE parts AS
SELECT target_kind, coalesce(target_id, 'unallocated') AS target_id,
       CASE target_kind WHEN 'team' THEN 'direct' WHEN 'pool' THEN 'shared' ELSE 'unallocated' END AS charge_type,
       service, currency, basis, detail, reason,
       NULL::VARCHAR AS cluster, NULL::VARCHAR AS namespace,
       CASE target_kind WHEN 'pool' THEN target_id END AS pool,
       NULL::DECIMAL(38,12) AS cpu_s, NULL::DECIMAL(38,12) AS mem_bs, NULL::DECIMAL(38,12) AS weight,
       sum(cost) AS amount, sum(line_items) AS line_items,
       'items:' || basis || ':' || detail || ':' || service AS src
FROM owners
WHERE target_kind <> 'cluster'
GROUP BY ALL;

-- Step 2's parts; each carries the line items of its cluster's pool.
INSERT INTO parts
SELECT x.target_kind, x.target_id, x.charge_type, x.service, x.currency, x.basis, x.detail, x.reason,
       x.cluster, x.namespace, x.pool, x.cpu_s, x.mem_bs, x.weight, x.amount,
       p.line_items, 'cluster:' || x.cluster
FROM cluster_parts x
JOIN cluster_pools p ON p.cluster = x.cluster AND p.currency = x.currency;

-- Each pool's total per currency, and how many line items fed it.
CREATE OR REPLACE TEMP TABLE pool_totals AS
SELECT pool, currency, sum(amount) AS total, sum(line_items) AS line_items
FROM (
  SELECT target_id AS pool, currency, src, sum(amount) AS amount, max(line_items) AS line_items
  FROM parts WHERE target_kind = 'pool' GROUP BY ALL
)
GROUP BY ALL;

-- Receivers and their weights. `proportional`: the team's direct + kubernetes
-- + idle cost in the period (negative counts as 0; all zero → even).
-- `even`: 1 each. `fixed`: the configured weight. receives_shared: false → skipped.
CREATE OR REPLACE TEMP TABLE split_shared_in AS
WITH base AS (
  SELECT target_id AS team_id, currency, sum(amount) AS amount
  FROM parts
  WHERE target_kind = 'team' AND charge_type IN ('direct', 'kubernetes', 'idle')
  GROUP BY ALL
),
receivers AS (
  SELECT pt.pool, pt.currency, pt.total, p.strategy, t.team_id,
         CASE p.strategy
           WHEN 'fixed' THEN coalesce(w.weight, 0)
           WHEN 'even' THEN 1
           ELSE greatest(coalesce(b.amount, 0), 0)
         END::DECIMAL(38,12) AS weight
  FROM pool_totals pt
  JOIN cfg_pools p ON p.pool_id = pt.pool
  JOIN cfg_teams t ON t.receives_shared
  LEFT JOIN cfg_pool_weights w ON w.pool_id = p.pool_id AND w.team_id = t.team_id
  LEFT JOIN base b ON b.team_id = t.team_id AND b.currency = pt.currency
),
weighted AS (
  SELECT *,
         CASE WHEN strategy = 'proportional' AND sum(weight) OVER (PARTITION BY pool, currency) = 0
              THEN 1 ELSE weight END::DECIMAL(38,12) AS w
  FROM receivers
)
SELECT {'pool': pool, 'currency': currency, 'strategy': strategy} AS grp, team_id AS part, total, w AS weight
FROM weighted
WHERE w > 0;

CREATE OR REPLACE TEMP TABLE shared_split AS
SELECT grp.pool, grp.currency, grp.strategy, part AS team_id, weight, amount
FROM split_by_weight('split_shared_in');

INSERT INTO parts
SELECT 'team', s.team_id, 'shared', p.name, s.currency,
       'shared', 'pool ' || s.pool || ' split ' || s.strategy, NULL,
       NULL, NULL, s.pool, NULL, NULL, s.weight, s.amount, pt.line_items, 'pool:' || s.pool
FROM shared_split s
JOIN cfg_pools p ON p.pool_id = s.pool
JOIN pool_totals pt ON pt.pool = s.pool AND pt.currency = s.currency;

-- A pool nobody may receive: unallocated, never dropped.
INSERT INTO parts
SELECT 'unallocated', 'unallocated', 'unallocated', p.name, pt.currency,
       'shared', 'pool ' || pt.pool, 'no receiver for pool ' || pt.pool,
       NULL, NULL, pt.pool, NULL, NULL, NULL, pt.total, pt.line_items, 'pool:' || pt.pool
FROM pool_totals pt
JOIN cfg_pools p ON p.pool_id = pt.pool
WHERE NOT EXISTS (SELECT 1 FROM shared_split s WHERE s.pool = pt.pool AND s.currency = pt.currency);
