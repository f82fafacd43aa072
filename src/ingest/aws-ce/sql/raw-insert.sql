-- Appends groups to ce_raw; amounts arrive as decimal strings and become DECIMAL(38,12) here.
-- $1 VARCHAR the groups (JSON array of {seq, account, account_name, service, day, day_end, currency,
-- amortized, unblended, level, tag_key, tag_value, estimated})
-- Returns: nothing
INSERT INTO ce_raw
SELECT seq, account, account_name, service, day::DATE, day_end::DATE, currency, amortized::DECIMAL(38,12),
       unblended::DECIMAL(38,12), level, tag_key, tag_value, estimated
FROM (SELECT unnest(from_json($1::JSON, '[{"seq":"BIGINT","account":"VARCHAR","account_name":"VARCHAR","service":"VARCHAR","day":"VARCHAR","day_end":"VARCHAR","currency":"VARCHAR","amortized":"VARCHAR","unblended":"VARCHAR","level":"INTEGER","tag_key":"VARCHAR","tag_value":"VARCHAR","estimated":"BOOLEAN"}]'), recursive := true));
