-- Allot store, schema version 15: budgets and spend alerts.

-- Finance's budgets (`allot ingest budgets FILE`): per team and month, in the
-- team's reporting currency, for the whole team (charge_type '') or one
-- charge type. A file's rows replace what was on file for the (team, period)
-- pairs it names (kept, marked replaced); the configuration's `budget:`
-- applies to the periods no file names.
CREATE TABLE budgets (
  team_id      VARCHAR NOT NULL,
  period       VARCHAR NOT NULL,
  charge_type  VARCHAR NOT NULL,          -- '' for the team's whole budget
  currency     VARCHAR NOT NULL,
  amount       DECIMAL(38,12) NOT NULL,
  file         VARCHAR NOT NULL,
  line         BIGINT NOT NULL,
  recorded_at  TIMESTAMP NOT NULL,
  replaced_at  TIMESTAMP                  -- set when a later file named the same team and period
);

-- Alerts go through the send log like team reports: one row per alert and
-- channel. alert_key says which alert ("forecast:80", "mtd:100",
-- "anomaly:2026-10-14:Amazon EC2"); NULL is the monthly team report.
-- channel is 'email' or 'webhook' (recipients then names the endpoint, not its secret path).
ALTER TABLE send_log ADD COLUMN alert_key VARCHAR;
ALTER TABLE send_log ADD COLUMN channel VARCHAR;
