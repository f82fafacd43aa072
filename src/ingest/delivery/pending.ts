import type { Store } from '../../store/db.ts';

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
  const which = `superseded_by = ${PENDING} AND ($1::VARCHAR IS NULL OR import_id IN (SELECT unnest(from_json($1, '["INTEGER"]'))))`;
  await store.run(`DELETE FROM line_items WHERE ${which}`, [ids]);
  await store.run(
    `DELETE FROM imports WHERE status = 'pending' AND ($1::VARCHAR IS NULL OR import_id IN (SELECT unnest(from_json($1, '["INTEGER"]'))))`,
    [ids],
  );
}
