// The import log (imports) and the rows an import rejected: what every source
// writes about one import, whatever it reads.
import type { Store } from './db.ts';
import { sqlFolder } from './sql.ts';

const sql = sqlFolder(new URL('./sql/', import.meta.url));

/** A new import id, for an import that writes its rows before it is logged. */
export async function nextImportId(store: Store): Promise<number> {
  return (await store.one<{ id: number }>(sql('import-id')))!.id;
}

/** An import that wrote rows, as the log keeps it. */
export interface ImportRecord {
  importId: number;
  source: string;
  file: string;
  sha256: string | null;
  format: string;
  rowsRead: number;
  rowsLoaded: number;
  rowsRejected: number;
  /** What it covers, as JSON text. */
  coverage: string;
  note: string | null;
  /** Unix microseconds. */
  startedMicros: bigint;
  finishedMicros: bigint;
  /** `pending`: its rows count nowhere until its delivery is recorded (src/ingest/delivery/). Default `active`. */
  status?: 'active' | 'pending';
}

/** Logs an import that wrote rows. */
export async function recordImport(store: Store, r: ImportRecord): Promise<void> {
  await store.run(sql('import-record'), [
    r.importId, r.source, r.file, r.sha256, r.format, r.rowsRead, r.rowsLoaded, r.rowsRejected, r.coverage, r.note, r.startedMicros, r.finishedMicros, r.status ?? 'active',
  ]);
}

/** Logs an import that changed nothing; returns its new import id. */
export async function recordNoopImport(store: Store, r: { source: string; file: string; sha256: string | null; format: string; note: string }): Promise<number> {
  return (await store.one<{ id: number }>(sql('import-noop'), [r.source, r.file, r.sha256, r.format, r.note]))!.id;
}

/** How many rows of an import were rejected, once they are counted (after its rows were written). */
export async function setRowsRejected(store: Store, importId: number, rows: number): Promise<void> {
  await store.run(sql('import-rejected'), [importId, rows]);
}

/** Adds a sentence to an import's note. */
export async function appendImportNote(store: Store, importId: number, note: string): Promise<void> {
  await store.run(sql('import-note'), [importId, note]);
}

/** Keeps the invalid rows the importer gathered in its temp table `stage_rejects` as the import's rejects. */
export async function keepRejects(store: Store, importId: number): Promise<void> {
  await store.run(sql('rejects-keep'), [importId]);
}
