-- Allot store, schema version 11: the run that speaks for a period, as a macro
-- for the queries that need it (src/store/runs.ts says the same in TypeScript):
-- the run it was closed with, else its latest. A closed period gets no new
-- runs, so the two agree; reading the close first says which wins should that
-- ever change.
CREATE OR REPLACE MACRO period_run_id(p) AS coalesce(
  (SELECT c.run_id FROM period_closes c WHERE c.period = p AND c.status = 'closed'),
  (SELECT max(a.run_id) FROM allocation_runs a WHERE a.period = p))::INTEGER;
