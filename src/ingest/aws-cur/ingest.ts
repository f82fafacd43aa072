import type { Progress } from '../../util/progress.ts';
import type { Store } from '../../store/db.ts';
import { keepRejects, setRowsRejected } from '../../store/imports.ts';
import { sqlFolder } from '../../store/sql.ts';
import { InputError, PermanentError } from '../../util/errors.ts';
import { commitLineItems, commitParquetRows, createLineItemStage, dropLineItemStage, samePart, type ImportMeta } from '../commit.ts';
import { importDeliveries, planDeliveries, type DeliveryResult, type FilePartResult, type PartContext } from '../delivery/index.ts';
import { applyLineMap, countStaged, dropInvalidStaged, dropRejectsAndLineMap, mapLine, parquetColumns, ParquetRowError, readingFile as readFileAs, scanRecordLines, stageRejects } from '../files.ts';
import { describeColumns, missingMandatory, type CurColumn, type CurFlavour } from './columns.ts';
import { detectFormat, isGzip, isHive, isText, scanFile, type CurFormat } from './source.ts';
import { buildCurSql, type CurSql } from './sql.ts';

const sql = sqlFolder(new URL('./sql/', import.meta.url));

export const AWS_CUR_SOURCE = 'aws-cur';

export interface AwsCurImportOptions {
  /** Import the valid rows and record the invalid ones in `rejects` (default: refuse the file). */
  skipInvalid?: boolean;
  /** Loose files may replace rows even where they cover less than those did. */
  replace?: boolean;
  progress?: Progress;
}

/** One file's import. */
export interface AwsCurFileResult extends FilePartResult {
  format: CurFormat;
  /** Unknown for a no-op (the file is not read again). */
  flavour?: CurFlavour;
}

/**
 * Per billing period and currency, the store's totals for what one delivery
 * imported, next to the export's own totals computed from its raw columns:
 * proof that the mapping to FOCUS kept every cent of the files. (Not a
 * tie-out to the bill: the files are all it compares with.) Decimal strings,
 * exact.
 */
export interface MappingCheck {
  /** YYYY-MM of the billing period start. */
  billingPeriod: string;
  currency: string;
  rows: number;
  billedCost: string;
  effectiveCost: string;
  /** Σ line_item_unblended_cost over the files' valid rows. */
  exportUnblended: string;
  /** The export's amortised total (see buildCurSql's exportTotals). */
  exportAmortised: string;
  /** Both match to the cent. */
  ok: boolean;
}

export interface AwsCurIngestResult {
  deliveries: DeliveryResult[];
  files: AwsCurFileResult[];
  /** Per delivery that imported new files, in order. */
  mapping: MappingCheck[];
}

/** The store and the export disagree: a mapping bug, never the user's fault; nothing is written. */
export class MappingCheckError extends PermanentError {}

/**
 * `allot ingest aws-cur ARG...`: imports AWS Cost and Usage Reports (legacy
 * CSV, gzipped or not; Athena-style Parquet; CUR 2.0 Parquet; Hive text),
 * mapped to FOCUS in DuckDB, as deliveries (../delivery/): each manifest (or
 * folder holding manifests) is one, the loose files of the call together
 * another (../delivery/run.ts). An invalid row (without skipInvalid), an
 * unreadable file, a missing or short part, or a failed mapping check writes
 * nothing at all. CUR restates the whole month on each delivery.
 */
export async function ingestAwsCurFiles(store: Store, inputs: string[], opts: AwsCurImportOptions = {}): Promise<AwsCurIngestResult> {
  const plans = planDeliveries(inputs, { source: AWS_CUR_SOURCE });
  const progress = opts.progress;
  progress?.start('ingest aws-cur', plans.reduce((n, p) => n + p.parts.length, 0));
  try {
    const mapping: MappingCheck[] = [];
    const done = await importDeliveries(store, plans, (file, ctx) => ingestOne(store, file, opts.skipInvalid ?? false, ctx), {
      progress,
      cleanup: () => dropTemps(store),
      replace: opts.replace,
      hint: (files) => `allot ingest aws-cur ${files.join(' ')}`,
      start: () => store.run(sql('export-totals')),
      partsIn: async (_plan, results) => {
        const fresh = results.filter((r) => r.status === 'active').map((r) => r.importId);
        const checks = fresh.length ? await mappingCheck(store, fresh) : [];
        await store.run('DROP TABLE IF EXISTS cur_export_totals');
        const bad = checks.find((c) => !c.ok);
        if (bad) {
          throw new MappingCheckError(
            `mapping check failed for ${bad.billingPeriod} ${bad.currency}: store has BilledCost ${bad.billedCost} and EffectiveCost ` +
              `${bad.effectiveCost}, the files' own totals are ${bad.exportUnblended} unblended and ${bad.exportAmortised} amortised; nothing was imported`,
          );
        }
        mapping.push(...checks);
      },
    });
    return { deliveries: done.map((d) => d.delivery), files: done.flatMap((d) => d.results), mapping };
  } finally {
    progress?.stop();
  }
}

async function dropTemps(store: Store): Promise<void> {
  await dropLineItemStage(store);
  await dropRejectsAndLineMap(store);
  await store.run('DROP TABLE IF EXISTS cur_reject_lines');
}

async function ingestOne(store: Store, file: string, skipInvalid: boolean, ctx: PartContext): Promise<AwsCurFileResult> {
  const { format, header } = await detectFormat(file);
  const scan = await scanFile(file, format);
  const meta: ImportMeta = { source: AWS_CUR_SOURCE, file, format, sha256: scan.sha256, rowsRead: 0 };

  const same = await samePart(store, AWS_CUR_SOURCE, file, scan.sha256, ctx);
  if (same) return { ...same, format };

  const raw = header
    ? header.map((name) => ({ name, type: 'VARCHAR' }))
    : await parquetColumns(store, file);
  const { flavour, columns } = describeColumns(raw);
  const missing = missingMandatory(columns, flavour);
  if (missing.length) {
    throw new InputError(
      file,
      undefined,
      undefined,
      `not an AWS Cost and Usage Report: missing column${missing.length === 1 ? '' : 's'} ${missing.join(', ')}`,
    );
  }
  const curSql = buildCurSql(file, format, flavour, columns);
  if (format === 'parquet') return ingestParquet(store, file, curSql, { ...meta, sha256: scan.sha256 }, flavour, skipInvalid);

  await createLineItemStage(store);
  await readingFile(file, format, () => store.run(curSql.stageInsert));
  const { total, bad } = await countStaged(store);

  // Text: `__line` assumed one record per line after the header; if the file
  // says otherwise (blank lines, line breaks inside quotes), find where each
  // record starts.
  let lineMap: [number, number][] = [];
  if (isText(format) && scan.lines !== total + 1) lineMap = await scanRecordLines(file, { gzip: isGzip(format), quoting: !isHive(format) });

  if (bad > 0 && !skipInvalid) {
    const first = (await readingFile(file, format, () =>
      store.one<{ line: string; column_name: string; reason: string }>(`${curSql.invalidRows} LIMIT 1`),
    ))!;
    const line = mapLine(Number(first.line), lineMap);
    if (!isText(format)) throw new ParquetRowError(file, line, first.column_name, first.reason, bad - 1);
    throw new InputError(file, line, first.column_name, first.reason, bad - 1);
  }
  await store.run(sql('reject-lines'));
  if (bad > 0) {
    await gatherRejects(store, file, format, curSql);
    await dropInvalidStaged(store);
  }
  // The export's own totals, over the rows that are imported.
  await readingFile(file, format, () => store.run(`INSERT INTO cur_export_totals BY NAME ${curSql.exportTotals}`));

  if (lineMap.length) await applyLineMap(store, lineMap, bad > 0);

  const result = await commitLineItems(store, { ...meta, rowsRead: total, rowsRejected: bad });
  if (bad > 0) await keepRejects(store, result.importId);
  return { ...result, file, format, flavour, sha256: scan.sha256 };
}

/**
 * Parquet, in bounded memory: the valid rows stream from the file into
 * line_items in one pass (a 10-million-row stage table would not fit the
 * store's memory limit, and spilling it costs more than reading the file
 * again), and the footer's row count tells whether any were left out. Only
 * then is the file read again: to name the first bad row (the transaction's
 * rollback drops what was written) or, with skipInvalid, to record every bad
 * row in rejects; and once more for the export's own totals, an aggregate
 * over a few columns.
 */
async function ingestParquet(store: Store, file: string, curSql: CurSql, meta: ImportMeta, flavour: CurFlavour, skipInvalid: boolean): Promise<AwsCurFileResult> {
  const format = 'parquet';
  const { result, bad } = await commitParquetRows(store, file, curSql, meta, skipInvalid);
  await store.run(sql('reject-lines'));
  if (bad > 0) {
    await gatherRejects(store, file, format, curSql);
    await setRowsRejected(store, result.importId, bad);
    await keepRejects(store, result.importId);
  }
  await readingFile(file, format, () => store.run(`INSERT INTO cur_export_totals BY NAME ${curSql.exportTotals}`));
  return { ...result, rowsRejected: bad, file, format, flavour, sha256: meta.sha256! };
}

/** The file's invalid rows into stage_rejects, and their lines into cur_reject_lines (the export's totals leave them out). */
async function gatherRejects(store: Store, file: string, format: CurFormat, curSql: CurSql): Promise<void> {
  await stageRejects(store, file, formatName(format), curSql.invalidRows);
  await store.run(sql('reject-lines-add'));
}

/** Store totals of the imports just made against the export totals gathered while reading the files. */
async function mappingCheck(store: Store, importIds: number[]): Promise<MappingCheck[]> {
  const rows = await store.all<{
    billing_period: string;
    currency: string;
    n: string;
    billed: string | null;
    effective: string | null;
    x_unblended: string | null;
    x_amortised: string | null;
    ok: boolean;
  }>(sql('mapping-check'), [JSON.stringify(importIds)]);
  return rows.map((r) => ({
    billingPeriod: r.billing_period,
    currency: r.currency,
    rows: Number(r.n),
    billedCost: r.billed ?? '0',
    effectiveCost: r.effective ?? '0',
    exportUnblended: r.x_unblended ?? '0',
    exportAmortised: r.x_amortised ?? '0',
    ok: r.ok,
  }));
}

/** This importer's name for a format, in errors. */
const formatName = (format: CurFormat): string => (format === 'parquet' ? 'Parquet' : format.startsWith('hive') ? 'Hive text' : 'CSV');

/** readingFile (../files.ts) with this importer's name for the format. */
const readingFile = <T>(file: string, format: CurFormat, fn: () => Promise<T>): Promise<T> => readFileAs(file, formatName(format), fn);

export type { CurColumn, CurFlavour, CurFormat };
