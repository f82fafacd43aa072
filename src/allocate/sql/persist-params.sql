-- What persist.sql writes about the run itself, as the temp table persist_params.
-- $1 INTEGER run id  $2 VARCHAR period  $3 VARCHAR cost metric  $4 VARCHAR the config's SHA-256
-- $5 VARCHAR the config, secrets redacted (JSON)  $6 VARCHAR SHA-256 of what the run read (inputs-fingerprint.sql)
-- $7 BIGINT line items  $8 VARCHAR started, $9 VARCHAR finished (ISO 8601)
-- Returns: nothing
CREATE OR REPLACE TEMP TABLE persist_params AS
SELECT $1::INTEGER AS run_id, $2::VARCHAR AS period, $3::VARCHAR AS cost_metric, $4::VARCHAR AS config_sha256, $5::VARCHAR AS config_snapshot,
       $6::VARCHAR AS inputs_sha256, $7::BIGINT AS line_items, $8::TIMESTAMP AS started_at, $9::TIMESTAMP AS finished_at;
