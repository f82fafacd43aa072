import type { Store } from '../../store/db.ts';
import { sqlFolder } from '../../store/sql.ts';

const sql = sqlFolder(new URL('./sql/', import.meta.url));

/**
 * A line item's `superseded_by` until its delivery is recorded: pending rows
 * count nowhere (every reader takes only rows with no superseded_by), so a
 * big delivery can commit its parts first and be checked and recorded in a
 * second transaction (./run.ts). No delivery has this id.
 */
export const PENDING = -1;

/**
 * Deletes imports whose delivery was never recorded, and their rows: those
 * of a delivery whose checks failed (`importIds`), or, with none given, any a
 * crash left between the two transactions of a delivery.
 */
export async function discardPending(store: Store, importIds?: number[]): Promise<void> {
  const ids = importIds === undefined ? null : JSON.stringify(importIds);
  await store.run(sql('discard-rows'), [PENDING, ids]);
  await store.run(sql('discard-imports'), [ids]);
}
