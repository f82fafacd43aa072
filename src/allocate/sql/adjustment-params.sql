-- Which closed period adjustments.sql recomputes, as the temp table adjustment_params.
-- $1 VARCHAR the closed period  $2 INTEGER the run it was closed with
-- Returns: nothing
CREATE OR REPLACE TEMP TABLE adjustment_params AS SELECT $1::VARCHAR AS period, $2::INTEGER AS closed_run_id;
