-- Step 1 — classify each line item of the period (first match wins). Every
-- line item of a class has the same values in every column read here, so
-- each class is classified once, for all its line items.
-- Reads: classes, cfg_matchers, cfg_clusters, cfg_tag_keys, cfg_team_names,
--        cfg_accounts, and the nodes of current snapshots.
-- Writes: owners (one row per class: where its line items go and why).

-- Nodes seen in the period's snapshots, by the last segment of their provider
-- id ("aws:///eu-west-1a/i-0abc" → "i-0abc"), for matching a node's own bill.
CREATE OR REPLACE TEMP TABLE node_refs AS
SELECT DISTINCT cluster, regexp_extract(provider_id, '[^/]+$') AS node_ref
FROM (SELECT DISTINCT n.cluster, n.provider_id FROM k8s_nodes n JOIN current_snapshots s USING (import_id, cluster, ts))
WHERE coalesce(regexp_extract(provider_id, '[^/]+$'), '') <> '';

-- 1. explicit rules and 2. cluster matches: every matcher a line item satisfies.
-- A matcher's keys must all match; an absent key matches anything.
CREATE OR REPLACE TEMP TABLE matcher_hits AS
SELECT i.class_key, min(m.priority) AS priority
FROM classes i
JOIN cfg_matchers m ON
      (m.sub_account_id   IS NULL OR i.sub_account_id   LIKE m.sub_account_id   ESCAPE '\')
  AND (m.service_name     IS NULL OR i.service_name     LIKE m.service_name     ESCAPE '\')
  AND (m.service_category IS NULL OR i.service_category LIKE m.service_category ESCAPE '\')
  AND (m.region_id        IS NULL OR i.region_id        LIKE m.region_id        ESCAPE '\')
  AND (m.charge_category  IS NULL OR i.charge_category  LIKE m.charge_category  ESCAPE '\')
  AND (m.resource_id      IS NULL OR i.resource_id      LIKE m.resource_id      ESCAPE '\')
  AND len(list_filter(range(1, len(m.tag_keys) + 1),
          k -> coalesce(i.tags[m.tag_keys[k]] LIKE m.tag_patterns[k] ESCAPE '\', false))) = len(m.tag_keys)
GROUP BY i.class_key
UNION ALL
-- 2. (cont.) a line item whose resource is one of a cluster's nodes.
SELECT i.class_key, 100000 + c.ord AS priority
FROM classes i
JOIN node_refs n ON regexp_extract(i.resource_id, '[^/]+$') = n.node_ref
JOIN cfg_clusters c ON c.cluster_id = n.cluster;

CREATE OR REPLACE TEMP TABLE owners AS
WITH first_hit AS (
  SELECT h.class_key, m.target_kind, m.target_id, m.kind, m.detail, h.priority
  FROM (SELECT class_key, min(priority) AS priority FROM matcher_hits GROUP BY class_key) h
  LEFT JOIN cfg_matchers m USING (priority)
),
-- 3. team tags: the first configured key present (non-empty) decides.
tagged AS (
  SELECT i.*,
         list_filter(list_transform(k.keys, key -> {'key': key, 'value': i.tags[key]}),
                     t -> coalesce(t.value, '') <> '')[1] AS tag
  FROM classes i, cfg_tag_keys k
)
SELECT
  i.class_key, i.currency, i.cost, i.service, i.line_items,
  CASE
    WHEN h.class_key IS NOT NULL THEN coalesce(h.target_kind, 'cluster')
    WHEN i.tag IS NOT NULL THEN CASE WHEN tn.team_id IS NOT NULL THEN 'team' ELSE 'unallocated' END
    WHEN a.team_id IS NOT NULL THEN 'team'
    ELSE 'unallocated'
  END AS target_kind,
  CASE
    WHEN h.class_key IS NOT NULL THEN coalesce(h.target_id, c.cluster_id)
    WHEN i.tag IS NOT NULL THEN tn.team_id
    WHEN a.team_id IS NOT NULL THEN a.team_id
  END AS target_id,
  CASE
    WHEN h.class_key IS NOT NULL THEN coalesce(h.kind, 'node')
    WHEN i.tag IS NOT NULL THEN 'tag'
    WHEN a.team_id IS NOT NULL THEN 'account'
    ELSE 'no_owner'
  END AS basis,
  CASE
    WHEN h.kind IS NOT NULL THEN h.detail
    WHEN h.class_key IS NOT NULL THEN 'node of cluster ' || c.cluster_id
    WHEN i.tag IS NOT NULL THEN 'tag ' || i.tag.key || '=' || i.tag.value
    WHEN a.team_id IS NOT NULL THEN 'account ' || i.sub_account_id
    ELSE 'no rule, cluster, tag or account'
  END AS detail,
  CASE
    WHEN h.class_key IS NOT NULL THEN NULL
    WHEN i.tag IS NOT NULL AND tn.team_id IS NULL THEN 'unknown team "' || i.tag.value || '" in tag ' || i.tag.key
    WHEN i.tag IS NULL AND a.team_id IS NULL THEN 'no owner'
  END AS reason
FROM tagged i
LEFT JOIN first_hit h USING (class_key)
LEFT JOIN cfg_clusters c ON h.kind IS NULL AND c.ord = h.priority - 100000
LEFT JOIN cfg_team_names tn ON tn.name_lower = lower(i.tag.value)
LEFT JOIN cfg_accounts a ON a.account_id = i.sub_account_id;
