// Billing pulls shared by the daily month-to-date job and the monthly pipeline.
import type { LoadedConfig } from '../src/config/load.ts';
import { DEFAULT_BILLING_ACCOUNT, pullCostExplorer } from '../src/ingest/aws-ce/index.ts';
import { pullGcpBilling } from '../src/ingest/gcp/index.ts';
import { parseTable, tableName } from '../src/ingest/gcp/export-sql.ts';
import type { Store } from '../src/store/db.ts';
import type { SourceSpec } from './spec.ts';

export interface PullSummary {
  source: string;
  type: SourceSpec['type'];
  period: string;
  import_id: number;
  status: string;
  rows: number;
  file: string;
  warnings: string[];
  /** True when a restarted step found the pull a dead worker had committed. */
  adopted?: boolean;
}

/** The `imports.file` a pull of this source and period writes. */
export function importFile(src: SourceSpec, period: string): string {
  if (src.type === 'aws-ce') return `aws-ce:${src.billing_account ?? DEFAULT_BILLING_ACCOUNT}:${period}`;
  return `gcp-bq:${tableName(parseTable(src.table))}:${period}`;
}

/** Pulls one month of one source into the store (a re-pull supersedes the earlier one). */
export async function pullSource(store: Store, loaded: LoadedConfig, src: SourceSpec, period: string, now: () => Date = () => new Date()): Promise<PullSummary> {
  if (src.type === 'aws-ce') {
    const r = await pullCostExplorer(store, loaded, {
      period,
      billingAccount: src.billing_account,
      tagKeys: src.all_tag_keys ? 'all' : 'first',
      ...(src.endpoint ? { clientOptions: { endpoint: src.endpoint } } : {}),
      now,
    });
    return { source: src.id, type: src.type, period, import_id: r.importId, status: r.status, rows: r.rowsLoaded, file: r.file, warnings: r.warnings };
  }
  const r = await pullGcpBilling(store, { period, table: src.table, project: src.project, location: src.location, resources: src.resources });
  return { source: src.id, type: src.type, period, import_id: r.importId, status: r.status, rows: r.rowsLoaded, file: r.file, warnings: r.status === 'noop' && r.note ? [r.note] : [] };
}

/** The pull a dead worker committed after `afterImportId`, if any. */
export async function findPull(store: Store, src: SourceSpec, period: string, afterImportId: number): Promise<PullSummary | undefined> {
  const file = importFile(src, period);
  const r = await store.one<{ import_id: number; status: string; rows: string }>(
    `SELECT import_id, status, rows_loaded::VARCHAR AS rows FROM imports WHERE file = $1 AND import_id > $2 ORDER BY import_id DESC LIMIT 1`,
    [file, afterImportId],
  );
  if (!r) return undefined;
  return { source: src.id, type: src.type, period, import_id: r.import_id, status: r.status, rows: Number(r.rows), file, warnings: [], adopted: true };
}
