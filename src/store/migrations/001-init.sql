-- Allot store, schema version 1.
-- Money is DECIMAL(38,12) everywhere it is exact, DECIMAL(38,6) where rounded
-- rows are stored (any currency has at most 6 decimals in practice).

-- One row per import attempt that wrote something (or was a recognised no-op).
CREATE SEQUENCE import_id_seq START 1;
CREATE TABLE imports (
  import_id       INTEGER PRIMARY KEY,
  source          VARCHAR NOT NULL,          -- focus | k8s | aws-ce | aws-cur | gcp-bq | prometheus | k8s-collect
  file            VARCHAR,                   -- path or a description of the pull
  content_sha256  VARCHAR,
  format          VARCHAR,                   -- csv | csv.gz | parquet | jsonl | api
  rows_read       BIGINT NOT NULL DEFAULT 0,
  rows_loaded     BIGINT NOT NULL DEFAULT 0,
  rows_rejected   BIGINT NOT NULL DEFAULT 0,
  -- The (billing account, billing period) keys, or (cluster, ts) range, it covers.
  coverage        JSON,
  status          VARCHAR NOT NULL,          -- active | superseded | noop
  superseded_by   INTEGER,
  note            VARCHAR,
  started_at      TIMESTAMP NOT NULL,
  finished_at     TIMESTAMP NOT NULL
);

-- Cost line items, normalised to FOCUS (1.0-1.2) column names in snake_case.
-- `li_id` is import_id * 2^32 + source line, so lineage can name the file line.
CREATE TABLE line_items (
  li_id                       BIGINT NOT NULL,
  import_id                   INTEGER NOT NULL,
  source_line                 BIGINT NOT NULL,
  period                      VARCHAR NOT NULL,   -- YYYY-MM of charge_period_start (UTC)
  superseded_by               INTEGER,            -- set when a newer export replaced this row
  billing_account_id          VARCHAR NOT NULL,
  billing_account_name        VARCHAR,
  billing_period_start        TIMESTAMP NOT NULL,
  billing_period_end          TIMESTAMP NOT NULL,
  charge_period_start         TIMESTAMP NOT NULL,
  charge_period_end           TIMESTAMP NOT NULL,
  billing_currency            VARCHAR NOT NULL,
  billed_cost                 DECIMAL(38,12) NOT NULL,
  effective_cost              DECIMAL(38,12) NOT NULL,
  list_cost                   DECIMAL(38,12) NOT NULL,
  contracted_cost             DECIMAL(38,12),
  charge_category             VARCHAR NOT NULL,
  charge_class                VARCHAR,
  charge_description          VARCHAR,
  charge_frequency            VARCHAR,
  provider_name               VARCHAR,
  publisher_name              VARCHAR,
  invoice_issuer_name         VARCHAR,
  sub_account_id              VARCHAR,
  sub_account_name            VARCHAR,
  service_name                VARCHAR,
  service_category            VARCHAR,
  region_id                   VARCHAR,
  region_name                 VARCHAR,
  availability_zone           VARCHAR,
  resource_id                 VARCHAR,
  resource_name               VARCHAR,
  resource_type               VARCHAR,
  sku_id                      VARCHAR,
  sku_price_id                VARCHAR,
  pricing_category            VARCHAR,
  pricing_quantity            DECIMAL(38,12),
  pricing_unit                VARCHAR,
  consumed_quantity           DECIMAL(38,12),
  consumed_unit               VARCHAR,
  commitment_discount_id      VARCHAR,
  commitment_discount_type    VARCHAR,
  commitment_discount_status  VARCHAR,
  commitment_discount_category VARCHAR,
  tags                        MAP(VARCHAR, VARCHAR),
  extra                       JSON                -- vendor and x_ columns, kept as they came
);

-- Rows refused by `--skip-invalid`, with the reason.
CREATE TABLE rejects (
  import_id   INTEGER NOT NULL,
  source_line BIGINT NOT NULL,
  column_name VARCHAR,
  reason      VARCHAR NOT NULL,
  raw         JSON
);

-- Kubernetes usage, one row per (cluster, ts) snapshot and its contents.
CREATE TABLE k8s_snapshots (
  import_id       INTEGER NOT NULL,
  cluster         VARCHAR NOT NULL,
  ts              TIMESTAMP NOT NULL,
  period          VARCHAR NOT NULL,
  window_seconds  INTEGER NOT NULL,
  superseded_by   INTEGER
);
CREATE TABLE k8s_nodes (
  import_id              INTEGER NOT NULL,
  cluster                VARCHAR NOT NULL,
  ts                     TIMESTAMP NOT NULL,
  name                   VARCHAR NOT NULL,
  provider_id            VARCHAR,
  instance_type          VARCHAR,
  cpu_capacity_cores     DECIMAL(18,6) NOT NULL,
  memory_capacity_bytes  BIGINT NOT NULL,
  labels                 MAP(VARCHAR, VARCHAR)
);
CREATE TABLE k8s_namespaces (
  import_id  INTEGER NOT NULL,
  cluster    VARCHAR NOT NULL,
  ts         TIMESTAMP NOT NULL,
  name       VARCHAR NOT NULL,
  labels     MAP(VARCHAR, VARCHAR)
);
CREATE TABLE k8s_pods (
  import_id             INTEGER NOT NULL,
  cluster               VARCHAR NOT NULL,
  ts                    TIMESTAMP NOT NULL,
  namespace             VARCHAR NOT NULL,
  name                  VARCHAR NOT NULL,
  node                  VARCHAR,
  cpu_request_cores     DECIMAL(18,6) NOT NULL,
  cpu_usage_cores       DECIMAL(18,6),        -- NULL: no metrics; counts as 0
  memory_request_bytes  BIGINT NOT NULL,
  memory_usage_bytes    BIGINT
);

-- One row per `allot attribute`.
CREATE SEQUENCE run_id_seq START 1;
CREATE TABLE allocation_runs (
  run_id            INTEGER PRIMARY KEY,
  period            VARCHAR NOT NULL,
  cost_metric       VARCHAR NOT NULL,
  config_sha256     VARCHAR NOT NULL,
  config_snapshot   JSON NOT NULL,         -- the resolved config the run used
  inputs_sha256     VARCHAR NOT NULL,      -- fingerprint of the line items and samples read
  line_items        BIGINT NOT NULL,
  started_at        TIMESTAMP NOT NULL,
  finished_at       TIMESTAMP NOT NULL
);

-- Exact amounts per output row key (Step 1-3 of the contract).
CREATE TABLE allocations (
  run_id       INTEGER NOT NULL,
  period       VARCHAR NOT NULL,
  team_id      VARCHAR NOT NULL,            -- a team id or 'unallocated'
  charge_type  VARCHAR NOT NULL,
  service      VARCHAR NOT NULL,
  currency     VARCHAR NOT NULL,
  amount       DECIMAL(38,12) NOT NULL,
  line_items   BIGINT NOT NULL,
  corrects_period VARCHAR           -- adjustment rows: the closed period they correct
);

-- Rounded rows (Step 4): what the chargeback CSV prints.
CREATE TABLE chargeback_rows (
  run_id       INTEGER NOT NULL,
  period       VARCHAR NOT NULL,
  team_id      VARCHAR NOT NULL,
  team_name    VARCHAR NOT NULL,
  cost_center  VARCHAR NOT NULL,
  gl_account   VARCHAR NOT NULL,
  mode         VARCHAR NOT NULL,
  charge_type  VARCHAR NOT NULL,
  service      VARCHAR NOT NULL,
  currency     VARCHAR NOT NULL,
  decimals     INTEGER NOT NULL,
  amount_exact DECIMAL(38,12) NOT NULL,
  amount       DECIMAL(38,6) NOT NULL,
  line_items   BIGINT NOT NULL,
  corrects_period VARCHAR
);

-- Lineage: every part that makes up an allocation, with the basis that
-- decided it (rule, tag, account, namespace, idle split, shared split).
CREATE TABLE allocation_lineage (
  run_id        INTEGER NOT NULL,
  target_kind   VARCHAR NOT NULL,   -- team | pool (a pool's inputs, before Step 3) | unallocated
  team_id       VARCHAR NOT NULL,   -- team id, pool id, or 'unallocated'
  charge_type   VARCHAR NOT NULL,
  service       VARCHAR NOT NULL,
  currency      VARCHAR NOT NULL,
  basis         VARCHAR NOT NULL,   -- rule | cluster | tag | account | no_owner | namespace | idle | shared | ...
  detail        VARCHAR NOT NULL,   -- human text: 'tag team=payments', 'rules[2]', ...
  reason        VARCHAR,            -- for unallocated parts
  cluster       VARCHAR,
  namespace     VARCHAR,
  pool          VARCHAR,
  cpu_core_hours DECIMAL(38,6),
  mem_gib_hours  DECIMAL(38,6),
  weight         DECIMAL(38,12),    -- the share basis used for a split
  amount        DECIMAL(38,12) NOT NULL,
  line_items    BIGINT NOT NULL,
  src           VARCHAR NOT NULL    -- which set of line items fed it (counts are summed per distinct src)
);

-- Per cluster and currency of a run: the inputs of Step 2, for explain and reports.
CREATE TABLE cluster_stats (
  run_id             INTEGER NOT NULL,
  cluster            VARCHAR NOT NULL,
  currency           VARCHAR NOT NULL,
  pool_cost          DECIMAL(38,12) NOT NULL,  -- C
  line_items         BIGINT NOT NULL,
  cpu_capacity_core_hours  DECIMAL(38,6),      -- K_cpu
  mem_capacity_gib_hours   DECIMAL(38,6),      -- K_mem
  cpu_used_core_hours      DECIMAL(38,6),      -- ΣU_cpu (max of request and usage)
  mem_used_gib_hours       DECIMAL(38,6),      -- ΣU_mem
  cpu_cost           DECIMAL(38,12),           -- C_cpu
  mem_cost           DECIMAL(38,12),           -- C_mem
  idle_cost          DECIMAL(38,12),
  idle_policy        VARCHAR NOT NULL
);

-- Per namespace of a run: usage against requests, cost and idle (reports, explain).
CREATE TABLE namespace_stats (
  run_id                  INTEGER NOT NULL,
  cluster                 VARCHAR NOT NULL,
  namespace               VARCHAR NOT NULL,
  currency                VARCHAR NOT NULL,
  owner_kind              VARCHAR NOT NULL,   -- team | pool | unallocated
  owner_id                VARCHAR NOT NULL,
  cpu_request_core_hours  DECIMAL(38,6) NOT NULL,
  cpu_usage_core_hours    DECIMAL(38,6) NOT NULL,
  mem_request_gib_hours   DECIMAL(38,6) NOT NULL,
  mem_usage_gib_hours     DECIMAL(38,6) NOT NULL,
  cpu_charged_core_hours  DECIMAL(38,6) NOT NULL,   -- Σ max(request, usage)
  mem_charged_gib_hours   DECIMAL(38,6) NOT NULL,
  has_usage_data          BOOLEAN NOT NULL,
  cost                    DECIMAL(38,12) NOT NULL,  -- namespace cost (charge type kubernetes)
  idle_cost               DECIMAL(38,12) NOT NULL   -- idle it carries
);

-- Per line item: where Step 1 sent it. Kept for the latest run of each period.
CREATE TABLE line_item_owners (
  run_id       INTEGER NOT NULL,
  li_id        BIGINT NOT NULL,
  target_kind  VARCHAR NOT NULL,     -- team | pool | cluster | unallocated
  target_id    VARCHAR,
  basis        VARCHAR NOT NULL,
  detail       VARCHAR NOT NULL,
  reason       VARCHAR
);

-- Finance close: a closed period's run, rows and CSV hash are frozen.
CREATE TABLE period_closes (
  period          VARCHAR PRIMARY KEY,
  run_id          INTEGER NOT NULL,
  status          VARCHAR NOT NULL,     -- closed | reopened
  csv_sha256      VARCHAR NOT NULL,
  rows            BIGINT NOT NULL,
  control_totals  JSON NOT NULL,        -- [{currency, amount}]
  closed_at       TIMESTAMP NOT NULL,
  closed_by       VARCHAR
);

-- Every close and reopen, with its reason; never updated.
CREATE TABLE period_close_log (
  period     VARCHAR NOT NULL,
  action     VARCHAR NOT NULL,          -- close | reopen
  run_id     INTEGER,
  csv_sha256 VARCHAR,
  reason     VARCHAR,
  actor      VARCHAR,
  logged_at  TIMESTAMP NOT NULL
);
