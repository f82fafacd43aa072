-- The temp table pending_adjustments (empty): what closed periods' recomputations book into the period
-- being attributed (adjustments.sql adds to it).
-- No parameters.
-- Returns: nothing
CREATE OR REPLACE TEMP TABLE pending_adjustments (
  team_id VARCHAR, service VARCHAR, currency VARCHAR, amount DECIMAL(38,12), line_items BIGINT, corrects_period VARCHAR);
