-- A stored run's lineage as the temp table whatif_lineage, for whatif-matches.sql.
-- $1 INTEGER run id
-- Returns: nothing
CREATE OR REPLACE TEMP TABLE whatif_lineage AS
SELECT target_kind, team_id, currency, basis, detail, amount, line_items, src FROM allocation_lineage WHERE run_id = $1;
