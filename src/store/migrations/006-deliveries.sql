-- Allot store, schema version 6: deliveries, control totals and the tie-out.
--
-- A delivery is what a vendor hands over at once: the parts of one export run
-- listed by its manifest, the files given to one `allot ingest` command, or
-- one API pull. Each part is an import (`imports`); a delivery replaces the
-- rows of earlier deliveries of the same export for the billing accounts and
-- periods it covers (`restate`), or adds to them (`append`, incremental
-- sources such as Oracle's FOCUS reports). From this version on,
-- `line_items.superseded_by` holds the id of the delivery that replaced the
-- row. Delivery ids come from import_id_seq, so an import and a delivery
-- never share a number, except that each earlier import becomes its own
-- delivery under its own number below (which keeps every superseded_by valid).
CREATE TABLE deliveries (
  delivery_id     INTEGER PRIMARY KEY,
  source          VARCHAR NOT NULL,          -- focus | aws-cur | aws-ce | gcp-bq
  layout          VARCHAR NOT NULL,          -- aws-data-exports | aws-cur-manifest | azure-export | oci-focus | files | api
  export_key      VARCHAR NOT NULL,          -- which export it is a delivery of ('files' for loose files)
  mode            VARCHAR NOT NULL,          -- restate | append
  manifest        VARCHAR,                   -- the manifest file read, if any
  manifest_sha256 VARCHAR,
  delivery_ref    VARCHAR,                   -- the vendor's id of this run: executionId, assemblyId, runId
  parts           INTEGER NOT NULL,
  rows_loaded     BIGINT NOT NULL,           -- rows of its parts (re-used parts included)
  status          VARCHAR NOT NULL,          -- active | superseded | noop
  superseded_by   INTEGER,
  replaced        JSON,                      -- per billing account and period: what it replaced, before and after
  note            VARCHAR,
  delivered_at    TIMESTAMP,                 -- when the vendor wrote it (manifest), else the newest part's mtime
  imported_at     TIMESTAMP NOT NULL
);

-- The parts of a delivery. An import can be a part of several deliveries:
-- the same file given again with its sibling parts re-activates its rows.
CREATE TABLE delivery_parts (
  delivery_id     INTEGER NOT NULL,
  part            INTEGER NOT NULL,          -- 1-based, in the manifest's (or the command's) order
  import_id       INTEGER,                   -- NULL for a duplicate counted once
  file            VARCHAR NOT NULL,
  content_sha256  VARCHAR,
  rows_read       BIGINT,
  bytes           BIGINT,
  expected_rows   BIGINT,                    -- what the manifest says, when it says
  expected_bytes  BIGINT,
  note            VARCHAR
);

ALTER TABLE imports ADD COLUMN export_key VARCHAR;   -- NULL: loose files and imports before v6

INSERT INTO deliveries
SELECT import_id, source, CASE WHEN format = 'api' THEN 'api' ELSE 'files' END,
       CASE WHEN format = 'api' THEN source || ':' || coalesce(file, '') ELSE 'files' END,
       'restate', NULL, NULL, NULL, 1, rows_loaded,
       status, superseded_by, NULL, note, finished_at, finished_at
FROM imports
WHERE source NOT IN ('k8s', 'k8s-collect', 'prometheus') AND status <> 'noop';

INSERT INTO delivery_parts
SELECT import_id, 1, import_id, coalesce(file, ''), content_sha256, rows_read, NULL, NULL, NULL, NULL
FROM imports
WHERE source NOT IN ('k8s', 'k8s-collect', 'prometheus') AND status <> 'noop';

-- FOCUS 1.2 InvoiceId (CUR: bill/InvoiceId): the invoice a charge is billed on.
ALTER TABLE line_items ADD COLUMN invoice_id VARCHAR;

-- What a rejected row would have added to the bill, where it could be read.
ALTER TABLE rejects ADD COLUMN billing_account_id VARCHAR;
ALTER TABLE rejects ADD COLUMN billing_period VARCHAR;
ALTER TABLE rejects ADD COLUMN currency VARCHAR;
ALTER TABLE rejects ADD COLUMN billed_cost DECIMAL(38,12);

-- Control totals from outside the line items: invoices (`allot ingest
-- invoices`) and Cost Explorer's monthly total (`allot tieout aws-ce`). A
-- newer total for the same key replaces the older (kept, with replaced_at).
CREATE TABLE control_totals (
  kind                VARCHAR NOT NULL,      -- invoice | aws-ce
  provider            VARCHAR,
  billing_account_id  VARCHAR NOT NULL,
  billing_period      VARCHAR NOT NULL,      -- YYYY-MM
  currency            VARCHAR NOT NULL,
  invoice_id          VARCHAR NOT NULL,      -- '' when the source names none
  amount              DECIMAL(38,12) NOT NULL,
  file                VARCHAR NOT NULL,      -- the file (or the pull) it came from
  line                BIGINT,
  recorded_at         TIMESTAMP NOT NULL,
  replaced_at         TIMESTAMP
);

-- The tie-out a period was closed with, and why a variance was accepted.
ALTER TABLE period_closes ADD COLUMN tieout JSON;
