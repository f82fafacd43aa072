-- Allot store, schema version 4: what scheduled jobs (jobs/) keep in the store.
--   job_fence  the newest fencing token that opened the store for writing
--              (jobs/store-lock.ts): a worker that lost its Redis lock cannot write.
--   job_steps  one row per store step of a pipeline run (`monthly-2026-10-attribute`):
--              'running' with the store's high-water marks before it started, then
--              'done' with its result. A re-delivered job finds 'done' and returns the
--              result; one that finds 'running' (a worker died) looks past the marks
--              for what the dead worker committed.
CREATE TABLE job_fence (
  name        VARCHAR PRIMARY KEY,
  token       BIGINT NOT NULL,
  holder      VARCHAR,
  job_id      VARCHAR,
  written_at  TIMESTAMP NOT NULL
);
CREATE TABLE job_steps (
  step_id      VARCHAR PRIMARY KEY,
  run_key      VARCHAR NOT NULL,
  stage        VARCHAR NOT NULL,
  status       VARCHAR NOT NULL,   -- running | done
  marks        JSON NOT NULL,      -- high-water marks before the first attempt
  result       JSON,
  fence        BIGINT,
  attempts     INTEGER NOT NULL,
  started_at   TIMESTAMP NOT NULL,
  finished_at  TIMESTAMP
);
