-- Stages a pull's groups (ce_raw) as FOCUS rows. With several tag keys, each level's untagged
-- cost is replaced by the next level's rows (where that level was queried: ce_queried), and any
-- difference between the two becomes one untagged row with extra.x_TagRemainder, so the import's
-- total is always the first query's. Rows on days AWS estimated get extra.x_Estimated.
-- $1 VARCHAR billing account  $2 VARCHAR month start  $3 VARCHAR month end  $4 VARCHAR the tag keys (JSON array, in order)
-- Returns: nothing
INSERT INTO stage_line_items BY NAME
WITH next_level AS (
  -- per account and level i: the level i+1 query exists
  SELECT account, level - 1 AS level FROM ce_queried WHERE level > 0
),
kept AS (
  SELECT r.*, 0 AS part FROM ce_raw r
  WHERE r.tag_value IS NOT NULL
     OR NOT EXISTS (SELECT 1 FROM next_level n WHERE n.account = r.account AND n.level = r.level)
),
untagged AS (
  SELECT r.account, r.level, r.service, r.day, r.day_end, r.currency,
         any_value(r.account_name) AS account_name, sum(r.amortized) AS amortized, sum(r.unblended) AS unblended,
         bool_or(r.estimated) AS estimated
  FROM ce_raw r JOIN next_level n ON n.account = r.account AND n.level = r.level
  WHERE r.tag_value IS NULL
  GROUP BY r.account, r.level, r.service, r.day, r.day_end, r.currency
),
below AS (
  SELECT r.account, r.level - 1 AS level, r.service, r.day, r.day_end, r.currency,
         any_value(r.account_name) AS account_name, sum(r.amortized) AS amortized, sum(r.unblended) AS unblended,
         bool_or(r.estimated) AS estimated
  FROM ce_raw r WHERE r.level > 0
  GROUP BY r.account, r.level, r.service, r.day, r.day_end, r.currency
),
remainder AS (
  SELECT NULL::BIGINT AS seq, coalesce(u.account, d.account) AS account, coalesce(u.account_name, d.account_name) AS account_name,
         coalesce(u.service, d.service) AS service, coalesce(u.day, d.day) AS day, coalesce(u.day_end, d.day_end) AS day_end,
         coalesce(u.currency, d.currency) AS currency,
         coalesce(u.amortized, 0) - coalesce(d.amortized, 0) AS amortized,
         coalesce(u.unblended, 0) - coalesce(d.unblended, 0) AS unblended,
         coalesce(u.level, d.level) AS level, NULL::VARCHAR AS tag_key, NULL::VARCHAR AS tag_value,
         coalesce(u.estimated, false) OR coalesce(d.estimated, false) AS estimated, 1 AS part
  FROM untagged u
  FULL OUTER JOIN below d
    ON d.account = u.account AND d.level = u.level AND d.service = u.service AND d.day = u.day
   AND d.day_end = u.day_end AND d.currency = u.currency
),
final AS (
  SELECT * FROM kept
  UNION ALL BY NAME
  SELECT * FROM remainder WHERE amortized <> 0 OR unblended <> 0
)
SELECT row_number() OVER (ORDER BY part, seq, account, day, service, currency) AS source_line,
       $1 AS billing_account_id,
       $2::TIMESTAMP AS billing_period_start,
       $3::TIMESTAMP AS billing_period_end,
       day::TIMESTAMP AS charge_period_start,
       day_end::TIMESTAMP AS charge_period_end,
       currency AS billing_currency,
       unblended AS billed_cost,
       amortized AS effective_cost,
       unblended AS list_cost,
       CASE WHEN service = 'Tax' THEN 'Tax' ELSE 'Usage' END AS charge_category,
       'AWS' AS provider_name,
       account AS sub_account_id,
       account_name AS sub_account_name,
       service AS service_name,
       CASE WHEN tag_value IS NULL THEN MAP {}::MAP(VARCHAR, VARCHAR) ELSE MAP([tag_key], [tag_value]) END AS tags,
       CASE
         WHEN part = 1 AND estimated THEN json_object('x_TagRemainder', remainder_note, 'x_Estimated', 'true')
         WHEN part = 1 THEN json_object('x_TagRemainder', remainder_note)
         WHEN estimated THEN json_object('x_Estimated', 'true')
       END AS extra
FROM (SELECT *, 'cost without tag ' || list_extract(keys, level + 1) || ' that the ' || list_extract(keys, level + 2)
                || ' query did not return' AS remainder_note
      FROM final, (SELECT from_json($4::JSON, '["VARCHAR"]') AS keys));
