-- The exact amount of every output row: per (team, charge type, service,
-- currency), summed over the parts Steps 1–3 produced.
-- Reads: parts. Writes: exact_rows.

CREATE OR REPLACE TEMP TABLE exact_rows AS
SELECT team_id, charge_type, service, currency, sum(amount) AS amount, sum(line_items) AS line_items,
       NULL::VARCHAR AS corrects_period
FROM (
  -- Line items are counted once per source (a cluster's pool feeds many parts).
  SELECT target_id AS team_id, charge_type, service, currency, src,
         sum(amount) AS amount, max(line_items) AS line_items
  FROM parts
  WHERE target_kind IN ('team', 'unallocated')
  GROUP BY ALL
)
GROUP BY ALL;
