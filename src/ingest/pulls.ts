// The billing sources Allot pulls from an API, a month at a time, behind one
// interface: the scheduled pulls and the monthly pipeline (jobs/) call them
// by the config's source type. Each owns its import key, the name of the
// import a pull writes, so a job that died after pulling can find the pull.
import type { LoadedConfig } from '../config/load.ts';
import type { ScheduleSource } from '../config/schema.ts';
import type { Store } from '../store/db.ts';
import type { Period } from '../util/period.ts';
import { costExplorerImportKey, DEFAULT_BILLING_ACCOUNT, pullCostExplorer } from './aws-ce/index.ts';
import { gcpBillingImportKey, pullGcpBilling } from './gcp/billing.ts';

/** What one pull did. */
export interface PullOutcome {
  import_id: number;
  status: string;
  rows: number;
  /** The import key (imports.file). */
  file: string;
  warnings: string[];
}

export interface PullSource<S extends ScheduleSource> {
  importKey(src: S, period: Period): string;
  pull(store: Store, loaded: LoadedConfig, src: S, period: Period, now: () => Date): Promise<PullOutcome>;
}

type Of<T extends ScheduleSource['type']> = Extract<ScheduleSource, { type: T }>;

const costExplorer: PullSource<Of<'aws-ce'>> = {
  importKey: (src, period) => costExplorerImportKey(src.billing_account ?? DEFAULT_BILLING_ACCOUNT, period),
  async pull(store, loaded, src, period, now) {
    const r = await pullCostExplorer(store, loaded, {
      period,
      billingAccount: src.billing_account,
      tagKeys: src.all_tag_keys ? 'all' : 'first',
      ...(src.endpoint ? { clientOptions: { endpoint: src.endpoint } } : {}),
      now,
    });
    return { import_id: r.importId, status: r.status, rows: r.rowsLoaded, file: r.file, warnings: r.warnings };
  },
};

const gcpBilling: PullSource<Of<'gcp-bq'>> = {
  importKey: (src, period) => gcpBillingImportKey(src.table, period),
  async pull(store, _loaded, src, period) {
    const r = await pullGcpBilling(store, { period, table: src.table, project: src.project, location: src.location, resources: src.resources });
    return { import_id: r.importId, status: r.status, rows: r.rowsLoaded, file: r.file, warnings: r.status === 'noop' && r.note ? [r.note] : [] };
  },
};

/** Every pulled source, by its config type. */
export function pullSourceOf<S extends ScheduleSource>(src: S): PullSource<S> {
  return (src.type === 'aws-ce' ? costExplorer : gcpBilling) as unknown as PullSource<S>;
}
