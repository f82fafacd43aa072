-- split_exact(input): splits each charge of a group among the group's
-- targets so that both sides add up exactly, to 12 decimal places: every
-- charge's parts sum to the charge (c), and every target's parts, over all
-- charges of the group, sum to the target (a). The targets are what the
-- allocation gave each receiver (its lineage), so a team's rows in the export
-- add up to its chargeback rows to the last digit, not only approximately.
-- Each part starts as c × a / Σa; the charges' residuals (a few 10^-12 each)
-- go to the largest target, the targets' residuals to the largest charge,
-- which takes the difference of both (Σc = Σa makes that consistent).
-- Input: one row per (grp, i, t) — every charge i of a group with every target t —
-- with columns grp, i, c, t, a. When Σa is 0 the parts start at 0 and the
-- residuals carry everything. Returns grp, i, t, ratio (a / Σa as DOUBLE, or
-- 1/n when Σa is 0), amount.
CREATE OR REPLACE TEMP MACRO split_exact(input) AS TABLE
WITH raw AS (
  SELECT grp, i, c, t, a,
         sum(a) OVER (PARTITION BY grp, i) AS total,
         count(*) OVER (PARTITION BY grp, i) AS n,
         row_number() OVER (PARTITION BY grp, i ORDER BY abs(a) DESC, t) = 1 AS first_t,
         dense_rank() OVER (PARTITION BY grp ORDER BY abs(c) DESC, i) = 1 AS first_i
  FROM query_table(input)
),
parts AS (
  SELECT *,
         CASE WHEN total = 0 THEN 1.0 / n ELSE a::DOUBLE / total::DOUBLE END AS ratio,
         CASE WHEN total = 0 THEN 0::DECIMAL(38,12) ELSE CAST(c::DOUBLE * (a::DOUBLE / total::DOUBLE) AS DECIMAL(38,12)) END AS share
  FROM raw
),
residuals AS (
  SELECT *,
         c - sum(share) OVER (PARTITION BY grp, i) AS r_i,
         a - sum(share) OVER (PARTITION BY grp, t) AS s_t,
         total - sum(share) OVER (PARTITION BY grp) AS s_all
  FROM parts
)
SELECT grp, i, t, ratio,
       (share + CASE
          WHEN first_t AND NOT first_i THEN r_i
          WHEN first_i AND NOT first_t THEN s_t
          WHEN first_i AND first_t THEN r_i - (s_all - s_t)
          ELSE 0 END)::DECIMAL(38,12) AS amount
FROM residuals;
