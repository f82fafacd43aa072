-- The temp tables a pull fills before staging: ce_raw, the groups Cost Explorer returned (amounts
-- exact), and ce_queried, which tag-key level was queried for which account (0: the first key).
-- No parameters.
-- Returns: nothing
CREATE OR REPLACE TEMP TABLE ce_raw (
  seq BIGINT, account VARCHAR, account_name VARCHAR, service VARCHAR, day DATE, day_end DATE, currency VARCHAR,
  amortized DECIMAL(38,12), unblended DECIMAL(38,12), level INTEGER, tag_key VARCHAR, tag_value VARCHAR, estimated BOOLEAN);
CREATE OR REPLACE TEMP TABLE ce_queried (account VARCHAR, level INTEGER);
