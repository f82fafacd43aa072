import type { Store } from '../store/db.ts';
import { appendImportNote, nextImportId, recordImport, recordNoopImport } from '../store/imports.ts';
import { sqlFolder } from '../store/sql.ts';
import { commitDelivery } from './delivery/commit.ts';
import { PENDING } from './delivery/pending.ts';
import { ParquetRowError, readingFile } from './files.ts';
import type { FilePartResult, PartContext } from './delivery/run.ts';

const sql = sqlFolder(new URL('./sql/', import.meta.url));

/** What every source reports about one import. */
export interface ImportResult {
  importId: number;
  status: 'active' | 'noop';
  rowsRead: number;
  rowsLoaded: number;
  rowsRejected: number;
  /** Deliveries whose rows this one replaced (API pulls; files report per delivery). */
  replaced: number[];
  note?: string;
}

export interface ImportMeta {
  source: string;
  file: string;
  format: string;
  /** SHA-256 of the input; the same content imported again is a no-op. Null for API pulls. */
  sha256: string | null;
  rowsRead: number;
  rowsRejected?: number;
}

/**
 * The staging table every cost source fills: the line_items columns a source
 * provides, plus `source_line` (1-based line in the file, or row number).
 * Sources write rows here with SQL or an appender, then call commitLineItems.
 */
export async function createLineItemStage(store: Store): Promise<void> {
  await store.run(sql('stage'));
}

export async function dropLineItemStage(store: Store): Promise<void> {
  // The stage is a table, or a view over a Parquet file; DuckDB refuses DROP TABLE on a view (and the reverse).
  const view = await store.one(`SELECT 1 AS v FROM duckdb_views() WHERE temporary AND view_name = 'stage_line_items'`);
  await store.run(view ? 'DROP VIEW stage_line_items' : 'DROP TABLE IF EXISTS stage_line_items');
}

interface EarlierImport {
  import_id: number;
  rows_read: string;
  rows_loaded: string;
  rows_rejected: string;
}

/** The earlier import of the same content from the same source, with its counts. */
async function earlierImport(store: Store, source: string, sha256: string): Promise<EarlierImport | undefined> {
  return store.one<EarlierImport>(sql('same-content'), [source, sha256]);
}

/** Finds an earlier import of the same content from the same source. */
export async function findSameContent(store: Store, source: string, sha256: string): Promise<number | undefined> {
  return (await earlierImport(store, source, sha256))?.import_id;
}

/**
 * A part whose content was seen before: in an earlier part of the same
 * delivery (a duplicate, counted once), or in an earlier import (which then
 * stands in for this part, so its rows count as the delivery's). Undefined
 * for new content.
 */
export async function samePart(store: Store, source: string, file: string, sha256: string, ctx: PartContext): Promise<FilePartResult | undefined> {
  const base = { file, sha256, importId: 0, rowsLoaded: 0, rowsRejected: 0, replaced: [] as number[] };
  const sameFile = ctx.duplicateOf(sha256);
  if (sameFile !== undefined) return { ...base, status: 'duplicate', sameFile, rowsRead: 0 };
  const earlier = await earlierImport(store, source, sha256);
  if (earlier === undefined) return undefined;
  const sameAs = earlier.import_id;
  return { ...base, status: 'noop', importId: sameAs, sameAs, rowsRead: Number(earlier.rows_read), rowsLoaded: Number(earlier.rows_loaded), rowsRejected: Number(earlier.rows_rejected) };
}

/** Records that `meta` is a re-import of `sameAs`: nothing changes but the log. */
export async function recordNoop(store: Store, meta: ImportMeta, sameAs: number): Promise<ImportResult> {
  const note = `same content as import #${sameAs}; nothing changed`;
  const importId = await recordNoopImport(store, { source: meta.source, file: meta.file, sha256: meta.sha256, format: meta.format, note });
  return { importId, status: 'noop', rowsRead: meta.rowsRead, rowsLoaded: 0, rowsRejected: 0, replaced: [], note };
}

/**
 * Moves stage_line_items into line_items as one import, pending until its
 * delivery is recorded (./delivery/commit.ts), which decides, once all its
 * parts are in, which earlier rows it replaces. Call inside
 * store.transaction().
 */
export async function commitLineItems(store: Store, meta: ImportMeta): Promise<ImportResult> {
  const id = await nextImportId(store);
  // Rows carry their own line number, so their order in the table is free:
  // without order preservation DuckDB streams a 10M-row insert in bounded memory.
  await store.run('SET preserve_insertion_order = false');
  await store.run(sql('insert-line-items').replace('{class_columns}', (await classColumns(store)).join(', ')), [id, PENDING]);
  await store.run('RESET preserve_insertion_order');
  // From here on only the rows just written are read, never the stage again:
  // for Parquet the stage is a view, and every read of it reads the file.
  const coverage = await store.all<{ billing_account_id: string; billing_period_start: string; rows: string }>(sql('import-coverage'), [id]);
  const loaded = coverage.reduce((n, c) => n + Number(c.rows), 0);
  const now = BigInt(Date.now()) * 1000n;
  await recordImport(store, {
    importId: id, source: meta.source, file: meta.file, sha256: meta.sha256, format: meta.format,
    rowsRead: meta.rowsRead, rowsLoaded: loaded, rowsRejected: meta.rowsRejected ?? 0,
    coverage: JSON.stringify(coverage.map((c) => ({ billing_account_id: c.billing_account_id, billing_period_start: c.billing_period_start, rows: Number(c.rows) }))),
    note: null, startedMicros: now, finishedMicros: now, status: 'pending',
  });
  return { importId: id, status: 'active', rowsRead: meta.rowsRead, rowsLoaded: loaded, rowsRejected: meta.rowsRejected ?? 0, replaced: [] };
}

/** The columns of a line item's class (migration 013) as the stage has them; a source without one has NULL. */
async function classColumns(store: Store): Promise<string[]> {
  const staged = new Set((await store.all<{ column_name: string }>('SELECT column_name FROM (DESCRIBE stage_line_items)')).map((c) => c.column_name));
  return ['sub_account_id', 'service_name', 'service_category', 'region_id', 'charge_category', 'resource_id', 'tags', 'billing_currency'].map((c) =>
    staged.has(c) ? `s.${c}` : 'NULL',
  );
}

/**
 * An API pull (Cost Explorer, BigQuery) as one delivery of one import: it
 * restates its billing account's period, replacing the previous pull of the
 * same export. `replaced` names the deliveries whose rows it replaced.
 */
export async function commitPull(store: Store, meta: ImportMeta, exportKey: string): Promise<ImportResult> {
  const result = await commitLineItems(store, meta);
  const delivery = await commitDelivery(
    store,
    { source: meta.source, layout: 'api', exportKey, mode: 'restate', parts: [{ file: meta.file }] },
    [{ file: meta.file, importId: result.importId, fresh: true, sha256: null, rowsRead: meta.rowsRead, rowsLoaded: result.rowsLoaded, rowsRejected: 0 }],
  );
  if (delivery.replaced.length) {
    await appendImportNote(store, result.importId, `replaces rows of delivery ${delivery.replaced.map((d) => `#${d}`).join(', ')}`);
  }
  return { ...result, replaced: delivery.replaced };
}

/** What an importer builds for one Parquet file: its footer's row count, a view of its valid rows as stage_line_items, and its invalid rows with their reasons. */
export interface ParquetRowsSql {
  rowCount: string;
  stageView: string;
  invalidRows: string;
}

/**
 * Parquet, optimistically and in bounded memory: the valid rows stream from
 * the file into line_items in one pass (no stage table), and the footer's row
 * count tells whether any were left out. Only then is the file read again:
 * without skipInvalid, to name the first bad row (the caller's transaction
 * rolls back what was written); with it, the caller records the `bad` rows.
 */
export async function commitParquetRows(
  store: Store,
  file: string,
  sql: ParquetRowsSql,
  meta: ImportMeta,
  skipInvalid: boolean,
): Promise<{ result: ImportResult; bad: number }> {
  const total = Number((await readingFile(file, 'Parquet', () => store.one<{ total: string }>(sql.rowCount)))!.total);
  await store.run(sql.stageView);
  const result = await readingFile(file, 'Parquet', () => commitLineItems(store, { ...meta, rowsRead: total }));
  const bad = total - result.rowsLoaded;
  if (bad > 0 && !skipInvalid) {
    const first = (await readingFile(file, 'Parquet', () =>
      store.one<{ line: string; column_name: string; reason: string }>(`${sql.invalidRows} LIMIT 1`),
    ))!;
    throw new ParquetRowError(file, Number(first.line), first.column_name, first.reason, bad - 1);
  }
  return { result, bad };
}
