import type { Store } from '../store/db.ts';
import { sqlFolder } from '../store/sql.ts';

const sql = sqlFolder(new URL('./sql/', import.meta.url));

/** The period's line items as Step 1 reads them. */
export interface Inputs {
  /** Distinct classes: line items equal in every column the rules may read. */
  classes: number;
  /** Whether the sums per class and per namespace were kept from an earlier run of the same rows. */
  kept: { classes: boolean; snapshots: boolean };
}

/**
 * The period's inputs for Steps 1–3 (run_params must be loaded): the bill
 * per currency from the line items themselves, the line items summed per
 * class, and the snapshots summed per cluster and namespace. Neither sum
 * depends on the rules, so a run whose period has the same rows as the
 * previous run's uses what that run kept, and a configuration change
 * re-attributes without reading every line item again. A writable store
 * keeps what it computed for the next run.
 */
export async function loadInputs(store: Store): Promise<Inputs> {
  await store.run(sql('inputs'));
  const kept = (await store.one<Inputs['kept']>(sql('inputs-kept')))!;
  await store.run(sql(kept.classes ? 'classes-kept' : 'classes-build'));
  await store.run(sql(kept.snapshots ? 'snapshots-kept' : 'snapshots-build'));
  await store.run(sql('classes'));
  if (!store.readOnly && !(kept.classes && kept.snapshots)) {
    await store.transaction(async () => {
      if (!kept.classes) await store.run(sql('classes-keep'));
      if (!kept.snapshots) await store.run(sql('snapshots-keep'));
    });
  }
  const n = (await store.one<{ n: number }>(sql('classes-count')))!;
  return { classes: n.n, kept };
}
