-- Allot store, schema version 2: provider list prices per vCPU-hour and
-- GiB-hour of memory, by region and machine family (`allot prices gcp`).
-- A fetch replaces every row of its provider in one transaction; the value
-- report reads them to price cluster capacity at list.
CREATE TABLE list_prices (
  provider        VARCHAR NOT NULL,          -- gcp
  service         VARCHAR NOT NULL,          -- Compute Engine
  sku_id          VARCHAR NOT NULL,          -- catalog SKU id, e.g. 2D4A-C4C9-0B5F
  description     VARCHAR NOT NULL,          -- e.g. N2 Instance Core running in Americas
  region          VARCHAR NOT NULL,          -- e.g. us-central1
  machine_family  VARCHAR NOT NULL,          -- lower case: n1, n2, n2d, e2, c3, ...
  resource        VARCHAR NOT NULL CHECK (resource IN ('cpu', 'memory')),
  unit            VARCHAR NOT NULL CHECK (unit IN ('core-hour', 'gib-hour')),
  price           DECIMAL(38,12) NOT NULL,   -- exact: units + nanos / 1e9
  currency        VARCHAR NOT NULL,
  effective_time  TIMESTAMP,                 -- when the catalog says the price took effect (UTC)
  fetched_at      TIMESTAMP NOT NULL         -- when Allot read it (UTC)
);
