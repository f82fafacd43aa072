// What `allot status` shows of the store: the periods and whether they are
// closed, the latest delivery of each source, snapshots, runs and imports.
import type { Store } from './db.ts';
import { sqlFolder } from './sql.ts';

const sql = sqlFolder(new URL('./sql/', import.meta.url));

export interface StoreStatus {
  periods: { period: string; line_items: string; currencies: string; imports: string }[];
  closes: { period: string; status: string; run_id: number; closed_at: string; tieout: string | null }[];
  snapshots: { period: string; cluster: string; snapshots: string }[];
  runs: { period: string; run_id: number; finished_at: string; total: string; allocated_pct: string }[];
  deliveries: {
    source: string;
    export_key: string;
    delivery_id: number;
    layout: string;
    mode: string;
    parts: number;
    rows: string;
    status: string;
    imported_at: string;
    delivered_at: string | null;
    ref: string | null;
  }[];
  imports: { import_id: number; source: string; file: string; rows_loaded: string; status: string; finished_at: string; note: string | null }[];
}

export async function storeStatus(store: Store, recentImports = 15): Promise<StoreStatus> {
  return {
    periods: await store.all(sql('status-periods')),
    closes: await store.all(sql('status-closes')),
    snapshots: await store.all(sql('status-snapshots')),
    runs: await store.all(sql('status-runs')),
    deliveries: await store.all(sql('status-deliveries')),
    imports: await store.all(sql('status-imports'), [recentImports]),
  };
}
