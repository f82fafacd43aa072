// Billing pulls shared by the daily month-to-date job and the monthly pipeline.
import type { LoadedConfig } from '../src/config/load.ts';
import { pullSourceOf } from '../src/ingest/pulls.ts';
import type { Store } from '../src/store/db.ts';
import { importAfter } from '../src/store/jobs.ts';
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
  return pullSourceOf(src).importKey(src, period);
}

/** Pulls one month of one source into the store (a re-pull supersedes the earlier one). */
export async function pullSource(store: Store, loaded: LoadedConfig, src: SourceSpec, period: string, now: () => Date = () => new Date()): Promise<PullSummary> {
  const r = await pullSourceOf(src).pull(store, loaded, src, period, now);
  return { source: src.id, type: src.type, period, ...r };
}

/** The pull a dead worker committed after `afterImportId`, if any. */
export async function findPull(store: Store, src: SourceSpec, period: string, afterImportId: number): Promise<PullSummary | undefined> {
  const file = importFile(src, period);
  const r = await importAfter(store, file, afterImportId);
  if (!r) return undefined;
  return { source: src.id, type: src.type, period, import_id: r.import_id, status: r.status, rows: r.rows, file, warnings: [], adopted: true };
}
