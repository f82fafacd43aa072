import type { Progress } from '../../util/progress.ts';
import type { Store } from '../../store/db.ts';
import { keepRejects, setRowsRejected } from '../../store/imports.ts';
import { sqlFolder } from '../../store/sql.ts';
import { InputError } from '../../util/errors.ts';
import { commitLineItems, commitParquetRows, createLineItemStage, dropLineItemStage, samePart, type ImportMeta } from '../commit.ts';
import { importDeliveries, planDeliveries, type DeliveryPlan, type DeliveryResult, type FilePartResult, type PartContext } from '../delivery/index.ts';
import { applyLineMap, countStaged, dropInvalidStaged, dropRejectsAndLineMap, mapLine, parquetColumns, readingFile as readFileAs, scanRecordLines, stageRejects } from '../files.ts';
import { mapColumns, type SourceColumn } from './columns.ts';
import { detectFormat, readCsvHeader, scanFile, type FocusFormat } from './source.ts';
import { buildFocusSql, type FocusSql } from './sql.ts';

/*
 * `allot ingest focus`: FOCUS 1.0-1.2 exports into line_items.
 *
 * Decisions worth knowing (see also sql.ts, source.ts, columns.ts):
 * - Format by content: Parquet (`PAR1`), gzip (CSV inside), else CSV. CSV is
 *   read with every column VARCHAR (no sniffing: money is never a DOUBLE),
 *   `,` `"` RFC 4180 quoting, and `''`, NULL, null (any case) as null.
 * - Columns match case-insensitively (`SkuPriceid`); FOCUS 1.3's
 *   ServiceProviderName stands for ProviderName. A file without the columns
 *   Allot needs is refused, naming all that are missing. Columns that are not
 *   FOCUS (vendor, `x_`, the sample's bare `Id`) go to `extra` as a JSON
 *   object of the values as read; FOCUS columns the store has no column for
 *   (ListUnitPrice, CommitmentDiscountName, …) are dropped.
 * - Money and quantities: DECIMAL(38,12), rounded at the 12th decimal. Text
 *   and exact Parquet types are cast; a Parquet DOUBLE goes through its
 *   shortest text (0.1 stays 0.1). Negative amounts are kept.
 * - Timestamps: text with an offset (`+02:00`, `Z`) is converted to UTC, text
 *   without one (`2024-09-18 22:00:00`) is UTC; TIMESTAMPTZ columns too.
 * - Tags: a JSON object (or a Parquet MAP/STRUCT) → MAP(VARCHAR, VARCHAR);
 *   keys kept exactly (`" org"`), non-string values as their JSON text
 *   (5 → '5', true → 'true', {"x":1} → '{"x":1}'), JSON null → NULL value.
 *   No tags (NULL cell or no Tags column) is an empty map, never NULL. A
 *   repeated key is an invalid row.
 * - Invalid rows: a required value missing, a timestamp or amount that does
 *   not parse, Tags that is no JSON object, a period that ends before it
 *   starts. Without --skip-invalid the first one is reported as
 *   `FILE:LINE: column X: why (and N more invalid rows; nothing was imported)`
 *   and nothing is written; with it they go to `rejects` (first invalid
 *   column per row, the row as JSON) and the rest is imported.
 * - LINE is the physical line where the record starts (header = 1), also with
 *   blank lines and line breaks inside quoted fields (\n, \r\n or \r); for
 *   Parquet it is the row number, and the message says `FILE: row N: …`.
 *   line_items.source_line holds the same number.
 * - Staging. CSV: one INSERT … SELECT from read_csv into the temp table
 *   stage_line_items (createLineItemStage), then commitLineItems. Parquet:
 *   stage_line_items is a TEMP VIEW of the valid rows of read_parquet that
 *   commitLineItems reads, and the footer's row count tells how many were
 *   left out (see ingestParquet): a
 *   10-million-row stage table does not fit the store's memory limit
 *   and spilling it cost more than twice the CPU of reading the file again
 *   (10M rows: 115 s CPU with a table, 47 s with the view), and the INSERT
 *   from a table filled in the same transaction ran on one core (1M rows:
 *   5-6 s with a table, 2.5 s with the view, on 2 cores). commitLineItems
 *   only reads stage_line_items, so a view is enough; should it ever write to
 *   it, Parquet needs the table again (the Parquet tests would fail).
 */

const sql = sqlFolder(new URL('./sql/', import.meta.url));

export const FOCUS_SOURCE = 'focus';

export interface FocusImportOptions {
  /** Import the valid rows and record the invalid ones in `rejects` (default: refuse the file). */
  skipInvalid?: boolean;
  /** Loose files add to what is stored instead of restating it (incremental exports). */
  append?: boolean;
  /** Loose files may replace rows even where they cover less than those did. */
  replace?: boolean;
  progress?: Progress;
}

/** An import's result plus what the CLI prints about the file. */
export interface FocusImportResult extends FilePartResult {
  format: FocusFormat;
}

export interface FocusIngestResult {
  /** One per delivery: a manifest's parts, or the loose files of the call. */
  deliveries: DeliveryResult[];
  /** One per file, in delivery and part order. */
  files: FocusImportResult[];
}

/**
 * Imports FOCUS 1.0-1.3 exports (CSV, gzipped CSV or Parquet; the format is
 * told by the file's first bytes) as deliveries (../delivery/): each
 * manifest (or folder holding manifests) is one, the loose files of the call
 * together another (../delivery/run.ts). An invalid row (without
 * skipInvalid), an unreadable file, a missing or short part writes nothing.
 * The same content imported again is not imported twice; Oracle's FOCUS
 * reports, and loose files with `append`, add to what is stored; every other
 * delivery restates its billing accounts' periods.
 */
export async function ingestFocusFiles(store: Store, inputs: string[], opts: FocusImportOptions = {}): Promise<FocusIngestResult> {
  const plans = planDeliveries(inputs, { source: FOCUS_SOURCE, append: opts.append });
  const progress = opts.progress;
  progress?.start('ingest focus', plans.reduce((n, p) => n + p.parts.length, 0));
  try {
    const done = await importDeliveries(store, plans, (file, ctx) => ingestOne(store, file, opts.skipInvalid ?? false, ctx), {
      progress,
      cleanup: () => dropTemps(store),
      replace: opts.replace,
      hint: (files) => `allot ingest focus ${files.join(' ')}`,
      refine: async (p, importIds) => (opts.append ? p : oracleIsIncremental(store, p, importIds)),
    });
    return { deliveries: done.map((d) => d.delivery), files: done.flatMap((d) => d.results) };
  } finally {
    progress?.stop();
  }
}

/**
 * Oracle's FOCUS reports are incremental (each file adds the rows since the
 * last one; none restates the month), so loose files whose every row is
 * Oracle's append instead of restating.
 */
async function oracleIsIncremental(store: Store, plan: DeliveryPlan, importIds: number[]): Promise<DeliveryPlan> {
  if (plan.layout !== 'files' || plan.mode !== 'restate' || importIds.length === 0) return plan;
  const r = await store.one<{ oracle: boolean }>(sql('oracle'), [JSON.stringify(importIds)]);
  return r?.oracle ? { ...plan, layout: 'oci-focus', exportKey: 'oci-focus', mode: 'append' } : plan;
}

async function dropTemps(store: Store): Promise<void> {
  await dropLineItemStage(store);
  await dropRejectsAndLineMap(store);
}

async function ingestOne(store: Store, file: string, skipInvalid: boolean, ctx: PartContext): Promise<FocusImportResult> {
  const format = await detectFormat(file);
  const scan = await scanFile(file, format);
  const meta: ImportMeta = { source: FOCUS_SOURCE, file, format, sha256: scan.sha256, rowsRead: 0 };

  const same = await samePart(store, FOCUS_SOURCE, file, scan.sha256, ctx);
  if (same) return { ...same, format };

  const columns = await readColumns(store, file, format);
  const mapping = mapColumns(columns);
  if (mapping.missing.length) {
    throw new InputError(
      file,
      undefined,
      undefined,
      `not a FOCUS export: missing column${mapping.missing.length === 1 ? '' : 's'} ${mapping.missing.join(', ')}`,
    );
  }
  const focusSql = buildFocusSql(file, format, columns, mapping);
  if (format === 'parquet') return ingestParquet(store, file, focusSql, meta, skipInvalid);

  // One INSERT … SELECT into the stage table, invalid rows marked by a
  // negative source_line (their lines are fixed below; CSV numbering is
  // single-threaded anyway).
  await createLineItemStage(store);
  await readingFile(file, format, () => store.run(focusSql.stageInsert));
  const { total, bad } = await countStaged(store);

  // `__line` assumed one record per line; if the file says otherwise (blank
  // lines, line breaks inside quotes), find where each record starts.
  let lineMap: [number, number][] = [];
  if (scan.lines !== total + 1) lineMap = await scanRecordLines(file, { gzip: format === 'csv.gz', newline: scan.newline! });

  if (bad > 0 && !skipInvalid) {
    const first = (await readingFile(file, format, () =>
      store.one<{ line: string; column_name: string; reason: string }>(`${focusSql.invalidRows} LIMIT 1`),
    ))!;
    throw new InputError(file, mapLine(Number(first.line), lineMap), first.column_name, first.reason, bad - 1);
  }
  if (bad > 0) {
    await stageRejects(store, file, formatName(format), focusSql.invalidRows);
    await dropInvalidStaged(store);
  }
  if (lineMap.length) await applyLineMap(store, lineMap, bad > 0);

  const result = await commitLineItems(store, { ...meta, rowsRead: total, rowsRejected: bad });
  if (bad > 0) await keepRejects(store, result.importId);
  return { ...result, file, format, sha256: scan.sha256 };
}

/**
 * Parquet, optimistically: the valid rows go straight from the file into
 * line_items in one pass, and the footer's row count tells whether any were
 * left out. Only then is the file read again, to name the first bad row (and
 * the transaction's rollback drops what was written) or, with skipInvalid,
 * to record every bad row in rejects.
 */
async function ingestParquet(store: Store, file: string, focusSql: FocusSql, meta: ImportMeta, skipInvalid: boolean): Promise<FocusImportResult> {
  const format = 'parquet';
  const { result, bad } = await commitParquetRows(store, file, focusSql, meta, skipInvalid);
  if (bad > 0) {
    await stageRejects(store, file, formatName(format), focusSql.invalidRows);
    await setRowsRejected(store, result.importId, bad);
    await keepRejects(store, result.importId);
  }
  return { ...result, rowsRejected: bad, file, format, sha256: meta.sha256! };
}


/** The file's columns: the CSV header (every column read as VARCHAR), or the Parquet schema. */
async function readColumns(store: Store, file: string, format: FocusFormat): Promise<SourceColumn[]> {
  if (format === 'parquet') {
    const rows = await parquetColumns(store, file);
    return rows.map((r, i) => ({ name: r.name, type: r.type, ref: `__c${i}` }));
  }
  const header = await readCsvHeader(file, format);
  return header.map((name, i) => ({ name: name.trim(), type: 'VARCHAR', ref: `__c${i}` }));
}

/** This importer's name for a format, in errors. */
const formatName = (format: FocusFormat): string => (format === 'parquet' ? 'Parquet' : 'CSV');

/** readingFile (../files.ts) with this importer's name for the format. */
const readingFile = <T>(file: string, format: FocusFormat, fn: () => Promise<T>): Promise<T> => readFileAs(file, formatName(format), fn);
