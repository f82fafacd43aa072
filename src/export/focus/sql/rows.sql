-- What the FOCUS rows (file.sql) need beyond the split (split.sql): where
-- x_AllotChargebackCost puts the chargeback CSV's rounding, and each split
-- group's targets as one list, in the file's order within a charge.
-- Reads: focus_params, focus_charges, focus_groups, focus_group_targets, chargeback_rows.
-- Writes: focus_charges.cb_diff and focus_group_targets.cb_charge / cb_diff
--         (the rounding and the row that takes it), variables focus_targets
--         (every group's targets, by gid and in the file's order) and
--         focus_spans (per gid, where its targets start in focus_targets and how many).

-- x_AllotChargebackCost: the cost measure with the chargeback CSV's rounding
-- on it. The CSV rounds each of its rows (largest remainder, to the
-- currency's decimals); the difference between a row's printed and exact
-- amount goes on that row's largest FOCUS row (largest |cost|, then the
-- lowest x_AllotChargeId, AllocatedResourceId, AllocatedMethodId, target), so a
-- team's x_AllotChargebackCost adds up to its CSV total to the cent, while
-- the FOCUS cost columns stay exact. A target's rows all belong to one
-- chargeback row, so only its largest row (best_*) can be the row's largest.
CREATE OR REPLACE TEMP TABLE focus_rounding AS
WITH candidates AS (
  SELECT x_team, x_charge_type, x_service, billing_currency AS currency, cost, charge_id,
         NULL::VARCHAR AS resource_id, NULL::VARCHAR AS method_id, NULL::INTEGER AS gid, NULL::VARCHAR AS target
  FROM focus_charges WHERE gid IS NULL
  UNION ALL
  SELECT t.team_id, t.charge_type, t.service, g.currency, t.best_amount, t.best_charge, t.resource_id, t.method_id, t.gid, t.target
  FROM focus_group_targets t JOIN focus_groups g USING (gid)
),
ranked AS (
  SELECT *, row_number() OVER (PARTITION BY x_team, x_charge_type, x_service, currency
                               ORDER BY abs(cost) DESC, charge_id, resource_id, method_id, target NULLS FIRST) AS rank_in_row
  FROM candidates
),
rounding AS (
  SELECT team_id, charge_type, service, currency, sum(amount) - sum(amount_exact) AS diff
  FROM chargeback_rows WHERE run_id = (SELECT run_id FROM focus_params) AND charge_type <> 'adjustment'
  GROUP BY ALL
)
SELECT r.charge_id, r.gid, r.target, d.diff
FROM ranked r
JOIN rounding d ON d.team_id = r.x_team AND d.charge_type = r.x_charge_type AND d.service = r.x_service AND d.currency = r.currency
WHERE r.rank_in_row = 1;

-- An update in place keeps focus_charges in charge_id order.
ALTER TABLE focus_charges ADD COLUMN cb_diff DECIMAL(38,12);
UPDATE focus_charges c SET cb_diff = r.diff FROM focus_rounding r WHERE r.gid IS NULL AND r.charge_id = c.charge_id;

ALTER TABLE focus_group_targets ADD COLUMN cb_charge BIGINT;
ALTER TABLE focus_group_targets ADD COLUMN cb_diff DECIMAL(38,12);
UPDATE focus_group_targets t SET cb_charge = r.charge_id, cb_diff = r.diff FROM focus_rounding r WHERE r.gid = t.gid AND r.target = t.target;

-- Variables, so that file.sql reads focus_charges in order and expands each
-- charge into its rows without a join (a join would not keep the order).
SET VARIABLE focus_spans = (
  SELECT coalesce(list({'start': start::BIGINT, 'n': n} ORDER BY gid), [])
  FROM (SELECT gid, count(*) AS n, sum(count(*)) OVER (ORDER BY gid) - count(*) AS start FROM focus_group_targets GROUP BY gid)
);
SET VARIABLE focus_targets = (
  SELECT coalesce(list({
      'total': total, 'ratio': ratio, 'ratio_d': ratio_d, 'first_t': first_t, 'first_charge': first_charge, 'largest': largest,
      's_t': s_t, 's_all': s_all, 'team_id': team_id, 'charge_type': charge_type, 'service': service,
      'method_id': method_id, 'details': details, 'resource_id': resource_id, 'resource_name': resource_name,
      'allocated_tags': allocated_tags, 'cb_charge': cb_charge, 'cb_diff': cb_diff
    } ORDER BY gid, tord), [])
  FROM focus_group_targets
);
