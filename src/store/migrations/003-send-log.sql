-- Allot store, schema version 3: the send log of team report emails.
-- One row per delivery attempt series of one message (period, team, run,
-- recipients). A row is written as 'sending' before the first SMTP attempt and
-- set to 'sent' or 'failed' right after the server answers, each in its own
-- transaction, so a crash can only ever leave the one message in flight
-- 'sending' (re-sent by the next run with the same Message-ID).
CREATE SEQUENCE send_id_seq START 1;
CREATE TABLE send_log (
  send_id     INTEGER NOT NULL,
  period      VARCHAR NOT NULL,
  team_id     VARCHAR NOT NULL,
  run_id      INTEGER NOT NULL,
  recipients  VARCHAR NOT NULL,            -- comma-separated, as sent (To)
  message_id  VARCHAR NOT NULL,            -- <allot.2026-10.payments.run7@allot.local>
  subject     VARCHAR,
  status      VARCHAR NOT NULL,            -- sending | sent | failed
  response    VARCHAR,                     -- the server's reply (or the error) of the last attempt
  error_code  VARCHAR,                     -- nodemailer's code (EENVELOPE, ESOCKET, ...) of a failure
  rejected    VARCHAR,                     -- recipients refused while others were accepted
  attempts    INTEGER NOT NULL DEFAULT 0,
  resend      BOOLEAN NOT NULL DEFAULT false,  -- sent again on purpose (--resend)
  started_at  TIMESTAMP NOT NULL,
  sent_at     TIMESTAMP                    -- when the final status was recorded
);
