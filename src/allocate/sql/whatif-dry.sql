-- A dry run's rows and lineage (rounded_rows, parts) shaped as a stored run's, as the temp tables
-- whatif_rows and whatif_lineage that whatif-teams.sql and whatif-matches.sql compare.
-- No parameters.
-- Returns: nothing
CREATE OR REPLACE TEMP TABLE whatif_rows AS SELECT team_id, currency, decimals, amount FROM rounded_rows;
CREATE OR REPLACE TEMP TABLE whatif_lineage AS
SELECT target_kind, target_id AS team_id, currency, basis, detail, amount, line_items, src FROM parts;
