import type { Store } from './db.ts';
import { sqlFolder } from './sql.ts';

const sql = sqlFolder(new URL('./sql/', import.meta.url));

/**
 * The store's line items as of now. Line items change only by an import (a
 * new import id, more rows) or a delivery that supersedes or brings back
 * rows (a new delivery id, other rows current), so this text changes
 * whenever they do; computing it reads no line item.
 */
export async function lineItemsVersion(store: Store): Promise<string> {
  const v = (await store.one<{ v: string }>(sql('facts-version')))!;
  return v.v;
}

/**
 * The rows of a query that reads only line items (and what changes with
 * them), kept in the store under `name` while the line items are as they
 * were: the tie-out's sums and coverage of a month do not change when only
 * the rules do. A read-only store computes them every time.
 */
export async function keptRows<T>(store: Store, name: string, version: string, compute: () => Promise<T[]>): Promise<T[]> {
  const kept = await store.one<{ rows: string }>(sql('facts-kept'), [name, version]);
  if (kept) return JSON.parse(kept.rows) as T[];
  const rows = await compute();
  if (!store.readOnly) {
    await store.run(sql('facts-forget'), [name]);
    await store.run(sql('facts-keep'), [name, version, JSON.stringify(rows)]);
  }
  return rows;
}
