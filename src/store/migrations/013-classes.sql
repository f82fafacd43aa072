-- Re-attribution in seconds: Step 1 reads only a few columns of a line item,
-- and millions of line items share each combination of them (one resource,
-- hour after hour). So the allocation classifies distinct combinations
-- ("classes") instead of line items, and keeps what does not depend on the
-- rules between runs.

-- A line item's class: a 128-bit key of every column Step 1 may read (two
-- 64-bit hashes, the columns in opposite orders; equal keys with different
-- columns are beyond any real bill). Computed once, on import. A DuckDB
-- whose hash() differs only splits a class in two, which classifies the same.
CREATE MACRO line_item_class_key(sub_account_id, service_name, service_category, region_id, charge_category, resource_id, tags, currency) AS
  (hash(sub_account_id, service_name, service_category, region_id, charge_category, resource_id, tags, currency)::UHUGEINT << 64)
  | hash(currency, tags, resource_id, charge_category, region_id, service_category, service_name, sub_account_id)::UHUGEINT;

ALTER TABLE line_items ADD COLUMN class_key UHUGEINT;
UPDATE line_items SET class_key = line_item_class_key(sub_account_id, service_name, service_category, region_id, charge_category,
                                                      resource_id, tags, billing_currency);

-- The run's view of its inputs: every import and delivery id up to this one
-- existed when it ran (ids come from one sequence), so its line items are the
-- period's rows imported by then and not yet superseded then.
ALTER TABLE allocation_runs ADD COLUMN input_seq BIGINT;
UPDATE allocation_runs SET input_seq = (SELECT greatest(coalesce(max(import_id), 0), coalesce((SELECT max(delivery_id) FROM deliveries), 0)) FROM imports);

-- Step 1's decision per class, for a period's latest run (replacing the row
-- per line item that line_item_owners held).
CREATE TABLE class_owners (
  run_id       INTEGER NOT NULL,
  class_key    UHUGEINT NOT NULL,
  target_kind  VARCHAR NOT NULL,     -- team | pool | cluster | unallocated
  target_id    VARCHAR,
  basis        VARCHAR NOT NULL,
  detail       VARCHAR NOT NULL,
  reason       VARCHAR
);
INSERT INTO class_owners
SELECT DISTINCT o.run_id, l.class_key, o.target_kind, o.target_id, o.basis, o.detail, o.reason
FROM line_item_owners o JOIN line_items l USING (li_id);
DROP TABLE line_item_owners;

-- Each line item a run read, with where Step 1 sent it; line_item_owners is
-- its owner columns as the table was before, so readers need not know classes.
CREATE VIEW run_line_items AS
SELECT o.run_id, o.target_kind, o.target_id, o.basis, o.detail, o.reason, l.*
FROM class_owners o
JOIN allocation_runs r USING (run_id)
JOIN line_items l ON l.class_key = o.class_key AND l.period = r.period
WHERE l.import_id <= r.input_seq AND (l.superseded_by IS NULL OR l.superseded_by > r.input_seq);
CREATE VIEW line_item_owners AS
SELECT run_id, li_id, target_kind, target_id, basis, detail, reason FROM run_line_items;

-- What does not depend on the rules, kept from the previous run of a period
-- while its inputs are the same (`fingerprint`, see allocate/sql/inputs.sql):
-- the line items summed per class, and the snapshots summed per namespace.
-- input_kept says which sets are kept (a set may have no rows).
CREATE TABLE input_kept (
  period      VARCHAR NOT NULL,
  kind        VARCHAR NOT NULL,     -- classes | snapshots
  fingerprint VARCHAR NOT NULL
);
CREATE TABLE input_classes (
  period           VARCHAR NOT NULL,
  fingerprint      VARCHAR NOT NULL,
  class_key        UHUGEINT NOT NULL,
  currency         VARCHAR NOT NULL,
  sub_account_id   VARCHAR,
  service_name     VARCHAR,
  service_category VARCHAR,
  region_id        VARCHAR,
  charge_category  VARCHAR,
  resource_id      VARCHAR,
  tags             MAP(VARCHAR, VARCHAR),
  billed_cost      DECIMAL(38,12) NOT NULL,
  effective_cost   DECIMAL(38,12) NOT NULL,
  list_cost        DECIMAL(38,12) NOT NULL,
  line_items       BIGINT NOT NULL
);
CREATE TABLE input_ns_usage (
  period             VARCHAR NOT NULL,
  fingerprint        VARCHAR NOT NULL,
  cluster            VARCHAR NOT NULL,
  namespace          VARCHAR NOT NULL,
  cpu                DECIMAL(38,12),
  mem                DECIMAL(38,12),
  cpu_request        DECIMAL(38,12),
  cpu_usage          DECIMAL(38,12),
  mem_request        DECIMAL(38,12),
  mem_usage          DECIMAL(38,12),
  samples_with_usage BIGINT,
  samples            BIGINT,
  labels             MAP(VARCHAR, VARCHAR)
);
CREATE TABLE input_capacity (
  period      VARCHAR NOT NULL,
  fingerprint VARCHAR NOT NULL,
  cluster     VARCHAR NOT NULL,
  cpu         DECIMAL(38,12),
  mem         DECIMAL(38,12)
);
-- Query results over line items that depend on nothing else (the tie-out's
-- sums and coverage), by what they were computed from.
CREATE TABLE input_facts (
  name        VARCHAR NOT NULL,
  fingerprint VARCHAR NOT NULL,
  rows        JSON NOT NULL
);
