import type { Store } from './db.ts';

/**
 * The store's line items as of now. Line items change only by an import (a
 * new import id, more rows) or a delivery that supersedes or brings back
 * rows (a new delivery id, other rows current), so this text changes
 * whenever they do; computing it reads no line item.
 */
export async function lineItemsVersion(store: Store): Promise<string> {
  const v = (await store.one<{ v: string }>(
    `SELECT concat_ws(':', (SELECT coalesce(max(import_id), 0) FROM imports), (SELECT coalesce(max(delivery_id), 0) FROM deliveries),
                      (SELECT count(*) FROM line_items), (SELECT count(*) FILTER (WHERE superseded_by IS NULL) FROM line_items)) AS v`,
  ))!;
  return v.v;
}

/**
 * The rows of a query that reads only line items (and what changes with
 * them), kept in the store under `name` while the line items are as they
 * were: the tie-out's sums and coverage of a month do not change when only
 * the rules do. A read-only store computes them every time.
 */
export async function keptRows<T>(store: Store, name: string, version: string, compute: () => Promise<T[]>): Promise<T[]> {
  const kept = await store.one<{ rows: string }>('SELECT rows::VARCHAR AS rows FROM input_facts WHERE name = $1 AND fingerprint = $2', [name, version]);
  if (kept) return JSON.parse(kept.rows) as T[];
  const rows = await compute();
  if (!store.readOnly) {
    await store.run('DELETE FROM input_facts WHERE name = $1', [name]);
    await store.run('INSERT INTO input_facts VALUES ($1, $2, $3::JSON)', [name, version, JSON.stringify(rows)]);
  }
  return rows;
}
