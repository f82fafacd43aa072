import { AllotError } from '../util/errors.ts';
import type { Period } from '../util/period.ts';
import type { Store } from './db.ts';
import { sqlFolder } from './sql.ts';

const sql = sqlFolder(new URL('./sql/', import.meta.url));

/**
 * The run that speaks for a period: the one it was closed with, else its
 * latest (the store's `period_run_id` macro, migration 011). Every report,
 * export and explanation resolves its run here.
 */
export async function periodRunId(store: Store, period: Period): Promise<number | undefined> {
  const r = await store.one<{ run_id: number | null }>(sql('period-run'), [period]);
  return r?.run_id ?? undefined;
}

/** The run a period is closed with; undefined when it is not closed. */
export async function closedRunId(store: Store, period: Period): Promise<number | undefined> {
  return (await store.one<{ run_id: number }>(sql('closed-run'), [period]))?.run_id;
}

/** The period of a stored run; undefined when there is no such run. */
export async function runPeriod(store: Store, runId: number): Promise<Period | undefined> {
  return (await store.one<{ period: string }>(sql('run-period'), [runId]))?.period;
}

/** No run of the period: attribute it first. */
export class NoRunError extends AllotError {
  constructor(readonly period: Period) {
    super(`no allocation run for period ${period}: run "allot attribute --period ${period}" first`);
  }
}

/** periodRunId, or NoRunError. */
export async function requirePeriodRunId(store: Store, period: Period): Promise<number> {
  const run = await periodRunId(store, period);
  if (run === undefined) throw new NoRunError(period);
  return run;
}
