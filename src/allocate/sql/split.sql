-- split_by_weight(table): splits each group's `total` among its parts in
-- proportion to `weight`, to 12 decimal places, conserving the total exactly.
-- Each part gets total × weight / Σweight; the division's residual (a few
-- 10^-12 at most) goes to the part with the largest weight (ties: by part).
-- The input table has columns grp, part, total (same for every part of a
-- group), weight (>= 0, Σ > 0 per group). Used by Steps 2 and 3.
CREATE OR REPLACE TEMP MACRO split_by_weight(input) AS TABLE
WITH shares AS (
  SELECT grp, part, total, weight,
         CAST(total * (weight::DOUBLE / (sum(weight) OVER g)::DOUBLE) AS DECIMAL(38,12)) AS share,
         row_number() OVER (PARTITION BY grp ORDER BY weight DESC, part) AS rank
  FROM query_table(input)
  WINDOW g AS (PARTITION BY grp)
)
SELECT grp, part, weight,
       share + CASE WHEN rank = 1 THEN total - sum(share) OVER (PARTITION BY grp) ELSE 0 END AS amount
FROM shares;
