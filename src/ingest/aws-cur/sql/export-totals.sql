-- The export's own totals for one delivery, as the temp table cur_export_totals: one row per file,
-- billing period and currency, added by the builder's exportTotals (../sql.ts) while its files are read.
-- No parameters.
-- Returns: nothing
CREATE OR REPLACE TEMP TABLE cur_export_totals (billing_period VARCHAR, currency VARCHAR, n_rows BIGINT, unblended DECIMAL(38,12), amortised DECIMAL(38,12));
