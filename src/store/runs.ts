import { AllotError } from '../util/errors.ts';
import type { Period } from '../util/period.ts';
import type { Store } from './db.ts';

/**
 * The run that speaks for a period: the one it was closed with, else its
 * latest (the store's `period_run_id` macro, migration 011). Every report,
 * export and explanation resolves its run here.
 */
export async function periodRunId(store: Store, period: Period): Promise<number | undefined> {
  const r = await store.one<{ run_id: number | null }>('SELECT period_run_id($1) AS run_id', [period]);
  return r?.run_id ?? undefined;
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
