-- The run's parameters, one row every step reads.
-- $1 period (YYYY-MM), $2 period_start, $3 period_end (TIMESTAMP), $4 cost_metric, $5 decimals,
-- $6 unallocated_cost_center, $7 unallocated_gl_account, $8 scale (10^decimals), $9 unit (10^-decimals), as exact text
-- Writes: run_params.
CREATE OR REPLACE TEMP TABLE run_params AS
SELECT $1::VARCHAR AS period, $2::TIMESTAMP AS period_start, $3::TIMESTAMP AS period_end, $4::VARCHAR AS cost_metric, $5::INTEGER AS decimals,
       $6::VARCHAR AS unallocated_cost_center, $7::VARCHAR AS unallocated_gl_account,
       $8::DECIMAL(38,0) AS scale, $9::DECIMAL(38,6) AS unit;
