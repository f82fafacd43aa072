-- Platform survey answers billing data cannot give (`allot ingest survey FILE`):
-- NPS responses and onboarding samples, per team and date. A file's rows
-- replace the rows an earlier import of the same file name recorded.
CREATE TABLE survey_nps (
  team_id     VARCHAR NOT NULL,
  answered_on DATE NOT NULL,
  score       INTEGER NOT NULL,       -- 0..10
  file        VARCHAR NOT NULL,
  line        BIGINT NOT NULL,
  recorded_at TIMESTAMP NOT NULL
);
CREATE TABLE survey_onboarding (
  team_id     VARCHAR NOT NULL,
  answered_on DATE NOT NULL,
  hours       DECIMAL(18,2) NOT NULL, -- hours to first production deploy
  file        VARCHAR NOT NULL,
  line        BIGINT NOT NULL,
  recorded_at TIMESTAMP NOT NULL
);
