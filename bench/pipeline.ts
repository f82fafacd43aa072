/**
 * `npm run bench [-- --sizes 1e6,1e7,1e8 --phases focus,cur --cur-sizes 1e7 --focus-export-max 1e7 --teams N --clusters N --pods N --out DIR --fresh]`
 *
 * How Allot's cost grows with the work. For each size (FOCUS line items in
 * one month), the demo generator writes an organisation (default 300 teams,
 * 3 clusters × 2,000 pods hourly: 4.3 million pod samples at every size)
 * into DIR/<size>/inputs, reused by later runs with the same parameters
 * (--fresh writes it again). Then, each in its own process so that its peak
 * RSS is its own:
 *   1. the floor: a bare DuckDB scan summing the Parquet by team tag;
 *   2. the copy: the Parquet as it is into a DuckDB file (what merely keeping
 *      every column costs, before any parsing or checking);
 *   3. the pipeline, one store: ingest FOCUS, ingest snapshots, attribute,
 *      re-attribute after a rule change, the daily pull of the open month
 *      (the AWS file delivered again with its last day restated, the GCP
 *      file unchanged) and attribute after it, export the chargeback CSV,
 *      export FOCUS 1.3 (Parquet), close the month, write every team's report.
 *      The restated file is written once per size (DIR/<size>/restated) and reused.
 * The `cur` phases do the same for the organisation's AWS month as one CUR
 * 2.0 Parquet file of the size (DIR/<size>/cur, also reused): its floor (a
 * bare scan summing it by team tag), its plain copy into DuckDB, and
 * `ingest aws-cur` into a fresh store. `--phases focus,cur` (the default)
 * picks which run.
 * Prints each phase's seconds, rows/s and ratio to the floor and to the copy
 * per size, then the growth table.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import Table from 'cli-table3';
import YAML from 'yaml';
import { sqlString } from '../src/store/db.ts';

const { values: args } = parseArgs({
  options: {
    sizes: { type: 'string', default: '1e6,1e7' },
    teams: { type: 'string', default: '300' },
    clusters: { type: 'string', default: '3' },
    pods: { type: 'string', default: '2000' },
    period: { type: 'string', default: '2026-10' },
    seed: { type: 'string', default: '7' },
    out: { type: 'string', default: 'bench-out' },
    fresh: { type: 'boolean', default: false },
    phases: { type: 'string', default: 'focus,cur' },
    // The FOCUS export grows with the month (about 20 s a million line items): sizes above this leave it out.
    'focus-export-max': { type: 'string', default: '1e7' },
    // The CUR 2.0 phases run at these sizes only (each needs its own generated file).
    'cur-sizes': { type: 'string', default: '1e7' },
    phase: { type: 'string' }, // internal: run one phase in this process
    size: { type: 'string' }, // internal: the size of that phase
  },
});

const TSX = fileURLToPath(new URL('../node_modules/tsx/dist/cli.mjs', import.meta.url));
const SELF = fileURLToPath(import.meta.url);
const out = resolve(args.out!);

interface PhaseResult {
  seconds: Record<string, number>;
  rows?: Record<string, number>;
  peakRssMb: number;
  info?: Record<string, string | number | boolean>;
}

/** What the generated inputs of one size were made with, and what making them cost. */
interface Generated {
  params: Record<string, string | number>;
  seconds: number;
  bytes: number;
  focusFiles: string[];
  snapshotFiles: string[];
  invoicesFile: string;
  period: string;
}

const peakRssMb = () => Math.round(process.resourceUsage().maxRSS / 1024);
const sizeDir = (n: number) => join(out, String(n));
const inputsDir = (n: number) => join(sizeDir(n), 'inputs');
const generatedFile = (n: number) => join(inputsDir(n), 'generated.json');

async function time<T>(label: string, fn: () => Promise<T>): Promise<[T, number]> {
  const t = process.hrtime.bigint();
  const r = await fn();
  const s = Number(process.hrtime.bigint() - t) / 1e9;
  process.stderr.write(`  … ${label}: ${s.toFixed(1)} s, peak RSS ${peakRssMb()} MB\n`);
  return [r, s];
}

function params(n: number): Generated['params'] {
  return { lineItems: n, teams: Number(args.teams), clusters: Number(args.clusters), pods: Number(args.pods), period: args.period!, seed: Number(args.seed) };
}

function duBytes(dir: string): number {
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    total += e.isDirectory() ? duBytes(p) : statSync(p).size;
  }
  return total;
}

/** The month delivered again: the AWS file with its last day's rows restated (their descriptions changed, costs kept so the invoice still ties out). */
interface Restated {
  seconds: number;
  file: string;
  rows: number;
  restatedRows: number;
}
const restatedFile = (n: number) => join(sizeDir(n), 'restated', 'restated.json');

const generated = (n: number): Generated => JSON.parse(readFileSync(generatedFile(n), 'utf8')) as Generated;

/** The CUR 2.0 file of one size, what it was made with and its exact totals. */
interface CurGenerated {
  params: Record<string, string | number>;
  seconds: number;
  bytes: number;
  file: string;
  unblended: string;
  amortised: string;
}
const curDir = (n: number) => join(sizeDir(n), 'cur');
const curFile = (n: number) => join(curDir(n), 'cur2.json');
const curGenerated = (n: number): CurGenerated => JSON.parse(readFileSync(curFile(n), 'utf8')) as CurGenerated;

// ---------------------------------------------------------------- phases (each in its own process)

async function phaseGenerate(n: number): Promise<PhaseResult> {
  const { generateOrg, BENCH_SIZE } = await import('../src/demo/generator.ts');
  const p = params(n);
  const size = { ...BENCH_SIZE, lineItems: n, teams: Number(p.teams), clusters: Number(p.clusters), podsPerCluster: Number(p.pods) };
  rmSync(inputsDir(n), { recursive: true, force: true });
  const [org, s] = await time('generate', () => generateOrg(inputsDir(n), { seed: Number(p.seed), period: String(p.period), size, format: 'parquet' }));
  const g: Generated = {
    params: p, seconds: s, bytes: duBytes(inputsDir(n)), focusFiles: org.focusFiles, snapshotFiles: org.snapshotFiles,
    invoicesFile: org.invoicesFile, period: org.period,
  };
  writeFileSync(join(inputsDir(n), 'config.yaml'), org.configYaml);
  writeFileSync(generatedFile(n), JSON.stringify(g, null, 2));
  return { seconds: { generate: s }, peakRssMb: peakRssMb() };
}

async function phaseRestate(n: number): Promise<PhaseResult> {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const g = generated(n);
  const aws = g.focusFiles.find((f) => f.includes('aws'))!;
  const dir = join(sizeDir(n), 'restated');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const file = join(dir, basename(aws));
  const db = await DuckDBInstance.create(':memory:', { threads: '2', memory_limit: '1GB', temp_directory: join(dir, '.tmp') });
  const conn = await db.connect();
  const lastDay = `(SELECT max(ChargePeriodStart)::DATE FROM read_parquet(${sqlString(aws)}))`;
  const [, s] = await time('restate the last day', () =>
    conn.run(
      `COPY (SELECT * REPLACE (CASE WHEN ChargePeriodStart::DATE = ${lastDay} THEN ChargeDescription || ' (restated)' ELSE ChargeDescription END AS ChargeDescription)
             FROM read_parquet(${sqlString(aws)})) TO ${sqlString(file)} (FORMAT parquet, COMPRESSION zstd)`,
    ),
  );
  const counts = (await conn.runAndReadAll(
    `SELECT count(*)::VARCHAR AS rows, count(*) FILTER (WHERE ChargeDescription LIKE '% (restated)')::VARCHAR AS restated FROM read_parquet(${sqlString(file)})`,
  )).getRowObjectsJS()[0] as { rows: string; restated: string };
  conn.closeSync();
  db.closeSync();
  rmSync(join(dir, '.tmp'), { recursive: true, force: true });
  const r: Restated = { seconds: s, file, rows: Number(counts.rows), restatedRows: Number(counts.restated) };
  writeFileSync(restatedFile(n), JSON.stringify(r, null, 2));
  return { seconds: { restate: s }, peakRssMb: peakRssMb() };
}

const parquetList = (files: string[]) => `[${files.map(sqlString).join(', ')}]`;

async function phaseFloor(n: number): Promise<PhaseResult> {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const db = await DuckDBInstance.create(':memory:', { threads: '2' });
  const conn = await db.connect();
  const [, s] = await time('floor', () =>
    conn.run(`SELECT json_extract_string(Tags, '$.team') AS team, sum(EffectiveCost) AS cost FROM read_parquet(${parquetList(generated(n).focusFiles)}) GROUP BY ALL`),
  );
  conn.closeSync();
  db.closeSync();
  return { seconds: { floor: s }, peakRssMb: peakRssMb() };
}

async function phaseCopy(n: number): Promise<PhaseResult> {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const file = join(sizeDir(n), 'copy.duckdb');
  rmSync(file, { force: true });
  // The store's own settings (src/store/db.ts): 2 threads, 1 GB.
  const db = await DuckDBInstance.create(file, { threads: '2', memory_limit: '1GB' });
  const conn = await db.connect();
  const [, s] = await time('copy', () => conn.run(`CREATE TABLE focus AS SELECT * FROM read_parquet(${parquetList(generated(n).focusFiles)})`));
  conn.closeSync();
  db.closeSync();
  rmSync(file, { force: true });
  return { seconds: { copy: s }, peakRssMb: peakRssMb() };
}

async function phasePipeline(n: number): Promise<PhaseResult> {
  const { Store } = await import('../src/store/db.ts');
  const { ingestFocusFiles } = await import('../src/ingest/focus/ingest.ts');
  const { ingestSnapshotFiles } = await import('../src/ingest/k8s/index.ts');
  const { ingestInvoices } = await import('../src/ingest/invoices/index.ts');
  const { attribute } = await import('../src/allocate/run.ts');
  const { buildChargebackExport, closePeriod } = await import('../src/close/close.ts');
  const { writeChargebackFiles } = await import('../src/close/files.ts');
  const { writeTeamEmails } = await import('../src/deliver/files.ts');
  const { parseConfig } = await import('../src/config/load.ts');
  const g = generated(n);
  const dir = sizeDir(n);
  const dbFile = join(dir, 'allot.duckdb');
  for (const f of [dbFile, `${dbFile}.wal`]) rmSync(f, { force: true });
  rmSync(join(dir, 'emails'), { recursive: true, force: true });
  const configFile = join(inputsDir(n), 'config.yaml');
  const yaml = readFileSync(configFile, 'utf8');
  const loaded = parseConfig(yaml, configFile, {});
  // A configuration-only change: one more rule, first (Step 1's first match wins).
  const doc = YAML.parse(yaml) as { rules?: unknown[] };
  doc.rules = [{ name: 'bench rule', match: { service_name: 'Amazon Simple Storage Service' }, shared: loaded.config.shared_pools[0]!.id }, ...(doc.rules ?? [])];
  const changed = parseConfig(YAML.stringify(doc), configFile, {});
  const store = await Store.open(dbFile);
  const [focus, tFocus] = await time('ingest FOCUS', () => ingestFocusFiles(store, g.focusFiles));
  const [snaps, tK8s] = await time('ingest snapshots', () => ingestSnapshotFiles(store, g.snapshotFiles));
  await ingestInvoices(store, g.invoicesFile);
  const [run, tAttr] = await time('attribute', () => attribute(store, loaded, g.period));
  const [rerun, tReattr] = await time('re-attribute after a rule change', () => attribute(store, changed, g.period));
  // The daily pull of the open month: every part delivered again, one of them restated.
  const restated = JSON.parse(readFileSync(restatedFile(n), 'utf8')) as Restated;
  const pull = g.focusFiles.map((f) => (f.includes('aws') ? restated.file : f));
  const [daily, tPull] = await time('daily pull (the month again, restated)', () => ingestFocusFiles(store, pull));
  const [afterPull, tAfterPull] = await time('attribute after the daily pull', () => attribute(store, changed, g.period));
  const [exp, tExport] = await time('export', async () => {
    const e = await buildChargebackExport(store, g.period);
    writeChargebackFiles(e, join(dir, `chargeback-${g.period}.csv`));
    return e;
  });
  const { exportFocus } = await import('../src/export/focus/index.ts');
  const focusFile = join(dir, `focus-${g.period}.parquet`);
  const [focusExp, tFocusExport] = n > Number(args['focus-export-max'])
    ? [undefined, undefined]
    : await time('export FOCUS', () => exportFocus(store, g.period, focusFile));
  // Gigabytes at these sizes: only its size is kept.
  const focusMb = focusExp ? Math.round(statSync(focusFile).size / 2 ** 20) : undefined;
  rmSync(focusFile, { force: true });
  const [closed, tClose] = await time('close', async () => {
    try {
      await closePeriod(store, g.period, { actor: 'bench', decimals: changed.config.currency_decimals });
      return 'closed';
    } catch (err) {
      return `refused: ${(err as Error).message.slice(0, 80)}`;
    }
  });
  const [emails, tReports] = await time('team reports', () => writeTeamEmails(store, changed.config, g.period, join(dir, 'emails')));
  store.close();
  const lineItems = focus.files.reduce((a, f) => a + f.rowsLoaded, 0);
  const podSamples = snaps.reduce((a, f) => a + ((f as { pods?: number }).pods ?? 0), 0);
  return {
    seconds: { ingest_focus: tFocus, ingest_k8s: tK8s, attribute: tAttr, reattribute: tReattr, daily_pull: tPull, attribute_after_pull: tAfterPull, export: tExport, ...(tFocusExport === undefined ? {} : { focus_export: tFocusExport }), close: tClose, reports: tReports },
    rows: { line_items: lineItems, pod_samples: podSamples, classes: run.inputs.classes, chargeback_rows: exp.manifest.rows, reports: emails.length,
      pull_rows_loaded: daily.files.reduce((a, f) => a + (f.status === 'active' ? f.rowsLoaded : 0), 0),
      pull_files_unchanged: daily.files.filter((f) => f.status !== 'active').length,
      pull_restated_rows: restated.restatedRows,
      ...(focusExp ? { focus_line_items: focusExp.line_items, focus_charges: focusExp.origin_charges, focus_split_charges: focusExp.split_charges,
        focus_split_rows: focusExp.split_rows, focus_rows: focusExp.rows } : {}) },
    peakRssMb: peakRssMb(),
    info: {
      reconciles: [run, rerun, afterPull].every((r) => r.totals.every((t) => t.ok)),
      kept: rerun.inputs.kept.classes && rerun.inputs.kept.snapshots,
      closed,
      store_mb: Math.round(statSync(dbFile).size / 2 ** 20),
      ...(focusMb === undefined ? {} : { focus_mb: focusMb }),
    },
  };
}

async function phaseCurGenerate(n: number): Promise<PhaseResult> {
  const { generateCur2 } = await import('../src/demo/cur2.ts');
  const p = params(n);
  rmSync(curDir(n), { recursive: true, force: true });
  const file = join(curDir(n), `cur2-${String(p.period)}.parquet`);
  const [cur, s] = await time('generate CUR 2.0', () => generateCur2(file, { seed: Number(p.seed), period: String(p.period), rows: n, teams: Number(p.teams) }));
  const g: CurGenerated = { params: p, seconds: s, bytes: statSync(file).size, file, unblended: cur.unblended, amortised: cur.amortised };
  writeFileSync(curFile(n), JSON.stringify(g, null, 2));
  return { seconds: { generate: s }, peakRssMb: peakRssMb() };
}

async function phaseCurFloor(n: number): Promise<PhaseResult> {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const db = await DuckDBInstance.create(':memory:', { threads: '2' });
  const conn = await db.connect();
  const [, s] = await time('CUR floor', () =>
    conn.run(`SELECT resource_tags['user_team'] AS team, sum(line_item_unblended_cost) AS cost FROM read_parquet(${parquetList([curGenerated(n).file])}) GROUP BY ALL`),
  );
  conn.closeSync();
  db.closeSync();
  return { seconds: { floor: s }, peakRssMb: peakRssMb() };
}

async function phaseCurCopy(n: number): Promise<PhaseResult> {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const file = join(sizeDir(n), 'cur-copy.duckdb');
  rmSync(file, { force: true });
  const db = await DuckDBInstance.create(file, { threads: '2', memory_limit: '1GB' });
  const conn = await db.connect();
  const [, s] = await time('CUR copy', () => conn.run(`CREATE TABLE cur AS SELECT * FROM read_parquet(${parquetList([curGenerated(n).file])})`));
  conn.closeSync();
  db.closeSync();
  rmSync(file, { force: true });
  return { seconds: { copy: s }, peakRssMb: peakRssMb() };
}

async function phaseCurIngest(n: number): Promise<PhaseResult> {
  const { Store } = await import('../src/store/db.ts');
  const { ingestAwsCurFiles } = await import('../src/ingest/aws-cur/ingest.ts');
  const g = curGenerated(n);
  const dbFile = join(sizeDir(n), 'cur-store.duckdb');
  for (const f of [dbFile, `${dbFile}.wal`]) rmSync(f, { force: true });
  const store = await Store.open(dbFile);
  const [r, s] = await time('ingest aws-cur', () => ingestAwsCurFiles(store, [g.file]));
  const sums = (await store.one<{ billed: string; effective: string }>(
    'SELECT sum(billed_cost)::DECIMAL(38,10)::VARCHAR AS billed, sum(effective_cost)::DECIMAL(38,10)::VARCHAR AS effective FROM line_items',
  ))!;
  store.close();
  const storeMb = Math.round(statSync(dbFile).size / 2 ** 20);
  for (const f of [dbFile, `${dbFile}.wal`]) rmSync(f, { force: true });
  return {
    seconds: { ingest_cur: s },
    rows: { line_items: r.files.reduce((a, f) => a + f.rowsLoaded, 0) },
    peakRssMb: peakRssMb(),
    info: { mapping_ok: r.mapping.every((m) => m.ok), exact: sums.billed === g.unblended && sums.effective === g.amortised, store_mb: storeMb },
  };
}

// ---------------------------------------------------------------- driver

/** Runs one phase in a fresh Node process and returns what it printed. */
function inChild(phase: string, n: number): PhaseResult {
  const argv = [TSX, SELF, '--phase', phase, '--size', String(n), '--out', out, '--teams', args.teams!, '--clusters', args.clusters!,
    '--pods', args.pods!, '--period', args.period!, '--seed', args.seed!, '--focus-export-max', args['focus-export-max']!];
  const stdout = execFileSync(process.execPath, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 24 });
  return JSON.parse(stdout.trim().split('\n').pop()!) as PhaseResult;
}

const fmt = (x: number, d = 1) => x.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const int = (x: number) => Math.round(x).toLocaleString('en-US');

interface SizeResult {
  n: number;
  focus?: { gen: Generated; floor: PhaseResult; copy: PhaseResult; pipe: PhaseResult };
  cur?: { gen: CurGenerated; floor: PhaseResult; copy: PhaseResult; ingest: PhaseResult };
}

/** The phases the "pipeline" means: what turns the bill into the chargeback CSV. */
const pipelineSeconds = (p: PhaseResult) => p.seconds.ingest_focus! + p.seconds.attribute! + p.seconds.export!;

/** Seconds with their multiples of the floor and of the copy. */
function phaseLine(f: number, c: number): (name: string, secs: number, rate?: string) => void {
  return (name, secs, rate = '') =>
    console.log(`  ${name.padEnd(44)} ${fmt(secs, 2).padStart(9)} s  ${fmt(secs / f).padStart(7)}× floor  ${fmt(secs / c, 2).padStart(6)}× copy  ${rate}`);
}

function printCur(n: number, cur: NonNullable<SizeResult['cur']>): void {
  const { gen, floor, copy, ingest } = cur;
  const line = phaseLine(floor.seconds.floor!, copy.seconds.copy!);
  const s = ingest.seconds.ingest_cur!;
  console.log('');
  console.log(`${int(n)}-row CUR 2.0 Parquet (generated in ${fmt(gen.seconds, 0)} s, ${int(gen.bytes / 2 ** 20)} MiB on disk${args.fresh ? '' : ', reused if present'})`);
  line('floor: bare scan of the Parquet', floor.seconds.floor!, `peak RSS ${floor.peakRssMb} MB`);
  line('copy: the Parquet into DuckDB', copy.seconds.copy!, `peak RSS ${copy.peakRssMb} MB`);
  line('ingest aws-cur', s, `${int(ingest.rows!.line_items! / s)} line items/s, peak RSS ${int(ingest.peakRssMb)} MB`);
  console.log(`  store ${int(Number(ingest.info!.store_mb))} MB; mapping check: ${ingest.info!.mapping_ok}; ` +
    `BilledCost and EffectiveCost equal the file's totals exactly: ${ingest.info!.exact}`);
}

function printSize(n: number, focus: NonNullable<SizeResult['focus']>): void {
  const r = { n, ...focus };
  const { floor, copy, pipe } = r;
  const f = floor.seconds.floor!;
  const c = copy.seconds.copy!;
  const s = pipe.seconds;
  const rows = pipe.rows!;
  const line = phaseLine(f, c);
  console.log('');
  console.log(`${int(r.n)} line items (generated in ${fmt(r.gen.seconds, 0)} s, ${fmt(r.gen.bytes / 2 ** 30, 2)} GiB on disk${args.fresh ? '' : ', reused if present'})`);
  line('floor: bare scan of the Parquet', f, `peak RSS ${floor.peakRssMb} MB`);
  line('copy: the Parquet into DuckDB', c, `peak RSS ${copy.peakRssMb} MB`);
  line('ingest FOCUS', s.ingest_focus!, `${int(rows.line_items! / s.ingest_focus!)} line items/s`);
  line('ingest snapshots', s.ingest_k8s!, `${int(rows.pod_samples! / s.ingest_k8s!)} pod samples/s`);
  line('attribute', s.attribute!, `${int(rows.line_items!)} line items in ${int(rows.classes!)} classes`);
  line('re-attribute after a rule change', s.reattribute!, `sums kept: ${pipe.info!.kept}`);
  line('daily pull (restated month)', s.daily_pull!, `${int(rows.pull_rows_loaded!)} rows written (${int(rows.pull_restated_rows!)} of them restated); ${rows.pull_files_unchanged} unchanged file(s) skipped by content`);
  line('attribute after the daily pull', s.attribute_after_pull!);
  line('export the chargeback CSV', s.export!, `${int(rows.chargeback_rows!)} rows`);
  if (s.focus_export === undefined) console.log(`  export FOCUS (Parquet): left out above ${int(Number(args['focus-export-max']))} line items (--focus-export-max)`);
  else {
    line('export FOCUS (Parquet)', s.focus_export, `${int(rows.focus_rows! / s.focus_export)} rows/s, ${int(Number(pipe.info!.focus_mb))} MB`);
    console.log(`    ${int(rows.focus_line_items!)} line items in → ${int(rows.focus_charges!)} daily charges, of which ${int(rows.focus_split_charges!)} split ` +
      `into ${int(rows.focus_split_rows!)} allocated rows → ${int(rows.focus_rows!)} FOCUS rows out`);
  }
  line('close the month', s.close!, String(pipe.info!.closed));
  line('team reports', s.reports!, `${rows.reports} teams`);
  line('pipeline: ingest FOCUS + attribute + export', pipelineSeconds(pipe));
  console.log(`  peak RSS of the pipeline process ${int(pipe.peakRssMb)} MB; store ${int(Number(pipe.info!.store_mb))} MB; reconciles: ${pipe.info!.reconciles}`);
}

function printGrowth(results: SizeResult[]): void {
  const head = ['', ...results.map((r) => `${int(r.n)} line items`)];
  const t = new Table({ head, style: { head: [], border: [] } });
  type Focus = NonNullable<SizeResult['focus']>;
  type Cur = NonNullable<SizeResult['cur']>;
  const na = '–';
  const row = (name: string, cell: (r: SizeResult) => string) => t.push([name, ...results.map(cell)]);
  const f = (cell: (r: Focus) => string) => (r: SizeResult) => (r.focus ? cell(r.focus) : na);
  const c = (cell: (r: Cur) => string) => (r: SizeResult) => (r.cur ? cell(r.cur) : na);
  const secs = (p: (r: Focus) => number) => f((r) => `${fmt(p(r), 2)} s (${fmt(p(r) / r.copy.seconds.copy!, 2)}× copy)`);
  if (results.some((r) => r.focus)) {
    row('floor', f((r) => `${fmt(r.floor.seconds.floor!, 2)} s`));
    row('copy', f((r) => `${fmt(r.copy.seconds.copy!, 2)} s (${fmt(r.copy.seconds.copy! / r.floor.seconds.floor!)}× floor)`));
    row('ingest FOCUS', secs((r) => r.pipe.seconds.ingest_focus!));
    row('attribute', secs((r) => r.pipe.seconds.attribute!));
    row('re-attribute', f((r) => `${fmt(r.pipe.seconds.reattribute!, 2)} s (${fmt(r.pipe.seconds.reattribute! / r.floor.seconds.floor!)}× floor)`));
    row('daily pull (restated month)', secs((r) => r.pipe.seconds.daily_pull!));
    row('attribute after the pull', secs((r) => r.pipe.seconds.attribute_after_pull!));
    row('export', secs((r) => r.pipe.seconds.export!));
    row('export FOCUS', f((r) => (r.pipe.seconds.focus_export === undefined ? 'left out' : `${fmt(r.pipe.seconds.focus_export, 2)} s (${int(r.pipe.rows!.focus_rows!)} rows)`)));
    row('pipeline', secs((r) => pipelineSeconds(r.pipe)));
    row('ingest snapshots', f((r) => `${int(r.pipe.rows!.pod_samples! / r.pipe.seconds.ingest_k8s!)} samples/s`));
    row('close + team reports', f((r) => `${fmt(r.pipe.seconds.close! + r.pipe.seconds.reports!, 1)} s`));
    row('peak RSS', f((r) => `${int(r.pipe.peakRssMb)} MB`));
    row('store', f((r) => `${int(Number(r.pipe.info!.store_mb))} MB`));
  }
  if (results.some((r) => r.cur)) {
    row('CUR 2.0 floor', c((r) => `${fmt(r.floor.seconds.floor!, 2)} s`));
    row('CUR 2.0 copy', c((r) => `${fmt(r.copy.seconds.copy!, 2)} s (${fmt(r.copy.seconds.copy! / r.floor.seconds.floor!)}× floor)`));
    row('ingest aws-cur', c((r) => `${fmt(r.ingest.seconds.ingest_cur!, 2)} s (${fmt(r.ingest.seconds.ingest_cur! / r.copy.seconds.copy!, 2)}× copy)`));
    row('ingest aws-cur peak RSS', c((r) => `${int(r.ingest.peakRssMb)} MB`));
  }
  console.log('');
  console.log('Growth');
  console.log(t.toString());
}

const load = () => loadavg().map((x) => fmt(x, 2)).join(' ');

async function main(): Promise<void> {
  if (args.phase) {
    const n = Number(args.size);
    const phases: Record<string, (n: number) => Promise<PhaseResult>> = {
      generate: phaseGenerate, floor: phaseFloor, copy: phaseCopy, pipeline: phasePipeline,
      restate: phaseRestate, 'cur-generate': phaseCurGenerate, 'cur-floor': phaseCurFloor, 'cur-copy': phaseCurCopy, 'cur-ingest': phaseCurIngest,
    };
    const fn = phases[args.phase];
    if (!fn) throw new Error(`unknown phase ${args.phase}`);
    process.stdout.write(`${JSON.stringify(await fn(n))}\n`);
    return;
  }
  const sizes = args.sizes!.split(',').map((s) => Number(s.trim()));
  const bad = sizes.find((n) => !Number.isSafeInteger(n) || n < 1000);
  if (bad !== undefined) throw new Error(`--sizes: each size is a whole number of line items of at least 1000, e.g. 1e6,1e7 (got ${bad})`);
  const phases = new Set(args.phases!.split(',').map((p) => p.trim()));
  const unknown = [...phases].find((p) => p !== 'focus' && p !== 'cur');
  if (unknown !== undefined || phases.size === 0) throw new Error(`--phases: focus, cur or both, comma-separated (got ${args.phases})`);
  const curSizes = args['cur-sizes']!.split(',').map((s) => Number(s.trim()));
  if (!Number.isSafeInteger(Number(args['focus-export-max']))) throw new Error(`--focus-export-max: a number of line items, e.g. 1e7 (got ${args['focus-export-max']})`);
  mkdirSync(out, { recursive: true });
  console.log(
    `Allot benchmark on ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown CPU'}), ${fmt(totalmem() / 2 ** 30, 0)} GiB; ` +
      `${args.teams} teams, ${args.clusters} clusters × ${args.pods} pods hourly in ${args.period}; DuckDB 2 threads, 1 GB memory limit`,
  );
  console.log(`load average at the start: ${load()}`);
  const results: SizeResult[] = [];
  for (const n of sizes) {
    const r: SizeResult = { n };
    if (phases.has('focus')) {
      const fresh = args.fresh || !existsSync(generatedFile(n)) || JSON.stringify(generated(n).params) !== JSON.stringify(params(n));
      if (fresh) inChild('generate', n);
      if (fresh || !existsSync(restatedFile(n))) inChild('restate', n);
      r.focus = { gen: generated(n), floor: inChild('floor', n), copy: inChild('copy', n), pipe: inChild('pipeline', n) };
      printSize(n, r.focus);
    }
    if (phases.has('cur') && curSizes.includes(n)) {
      const fresh = args.fresh || !existsSync(curFile(n)) || JSON.stringify(curGenerated(n).params) !== JSON.stringify(params(n));
      if (fresh) inChild('cur-generate', n);
      r.cur = { gen: curGenerated(n), floor: inChild('cur-floor', n), copy: inChild('cur-copy', n), ingest: inChild('cur-ingest', n) };
      printCur(n, r.cur);
    }
    console.log(`  load average after ${int(n)}: ${load()}`);
    results.push(r);
  }
  printGrowth(results);
}

await main();
