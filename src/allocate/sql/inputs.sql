-- The period's inputs, and what they are: one pass over its current (not
-- superseded) line items per import and currency, and its current snapshots.
-- Reads: line_items, k8s_snapshots, run_params.
-- Writes: input_scan, current_snapshots, input_bill (the bill per currency in
--         the configured cost measure, summed from the line items themselves:
--         what the allocation must conserve), input_fingerprints (what the
--         rules-independent sums kept from an earlier run must have been
--         computed from to be used again; see input-sums.ts).

CREATE OR REPLACE TEMP TABLE input_scan AS
SELECT li.import_id, li.billing_currency AS currency, count(*) AS line_items, sum(li.source_line) AS lines,
       sum(li.billed_cost) AS billed_cost, sum(li.effective_cost) AS effective_cost, sum(li.list_cost) AS list_cost
FROM line_items li
WHERE li.period = (SELECT period FROM run_params) AND li.superseded_by IS NULL
GROUP BY ALL;

-- A table, not a view: a few thousand rows that every snapshot join reads.
CREATE OR REPLACE TEMP TABLE current_snapshots AS
SELECT s.*
FROM k8s_snapshots s
WHERE s.period = (SELECT period FROM run_params) AND s.superseded_by IS NULL;

CREATE OR REPLACE TEMP TABLE input_bill AS
SELECT i.currency, sum(line_item_cost(r.cost_metric, i.billed_cost, i.effective_cost, i.list_cost)) AS cost,
       sum(i.line_items) AS line_items
FROM input_scan i, run_params r
GROUP BY ALL;

-- Which rows, not only which imports: a delivery may supersede part of an import.
CREATE OR REPLACE TEMP TABLE input_fingerprints AS
SELECT (SELECT period FROM run_params) AS period,
       coalesce((SELECT string_agg(import_id || ':' || n || ':' || lines, ',' ORDER BY import_id)
                 FROM (SELECT import_id, sum(line_items) AS n, sum(lines) AS lines FROM input_scan GROUP BY ALL)), '') AS line_items,
       coalesce((SELECT string_agg(import_id || ':' || n, ',' ORDER BY import_id)
                 FROM (SELECT import_id, count(*) AS n FROM current_snapshots GROUP BY ALL)), '') AS snapshots;
