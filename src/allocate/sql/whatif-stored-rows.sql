-- A stored run's rows as the temp table whatif_rows, for whatif-teams.sql.
-- $1 INTEGER run id
-- Returns: nothing
CREATE OR REPLACE TEMP TABLE whatif_rows AS SELECT team_id, currency, decimals, amount FROM chargeback_rows WHERE run_id = $1;
