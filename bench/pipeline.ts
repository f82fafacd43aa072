/**
 * `npm run bench [-- --line-items N --teams N --clusters N --pods N --out DIR]`
 *
 * Generates an organisation with the demo generator at scale (default: 10
 * million FOCUS line items in Parquet, 300 teams, 3 clusters × 2,000 pods
 * hourly for a month), then times, each phase in its own process so its peak
 * RSS is its own:
 *   1. the floor: a bare DuckDB scan that sums the Parquet file by team tag;
 *   2. a copy: the Parquet files as they are into a DuckDB file (what merely
 *      keeping every column costs, before any parsing or checking);
 *   3. the pipeline: ingest FOCUS → ingest snapshots → attribute → export.
 * Prints rows/s, seconds, peak RSS and the pipeline-to-floor ratios.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    'line-items': { type: 'string', default: '10000000' },
    teams: { type: 'string', default: '300' },
    clusters: { type: 'string', default: '3' },
    pods: { type: 'string', default: '2000' },
    period: { type: 'string', default: '2026-10' },
    seed: { type: 'string', default: '7' },
    out: { type: 'string', default: 'bench-out' },
    phase: { type: 'string' }, // internal: run one phase in this process
    'reuse-inputs': { type: 'boolean', default: false },
  },
});

const out = resolve(args.out!);
const inputs = join(out, 'inputs');
const TSX = fileURLToPath(new URL('../node_modules/tsx/dist/cli.mjs', import.meta.url));
const SELF = fileURLToPath(import.meta.url);

interface PhaseResult {
  name: string;
  seconds: Record<string, number>;
  rows?: Record<string, number>;
  peakRssMb: number;
  info?: Record<string, unknown>;
}

const peakRssMb = () => Math.round(process.resourceUsage().maxRSS / 1024);
const time = async <T>(fn: () => Promise<T>, label?: string): Promise<[T, number]> => {
  const t = process.hrtime.bigint();
  const r = await fn();
  const s = Number(process.hrtime.bigint() - t) / 1e9;
  if (label) process.stderr.write(`  … ${label}: ${s.toFixed(1)} s, peak RSS ${peakRssMb()} MB\n`);
  return [r, s];
};

async function phaseGenerate(): Promise<PhaseResult> {
  const { generateOrg, BENCH_SIZE } = await import('../src/demo/generator.ts');
  const size = {
    ...BENCH_SIZE,
    lineItems: Number(args['line-items']),
    teams: Number(args.teams),
    clusters: Number(args.clusters),
    podsPerCluster: Number(args.pods),
  };
  rmSync(inputs, { recursive: true, force: true });
  const [org, s] = await time(() => generateOrg(inputs, { seed: Number(args.seed), period: args.period!, size, format: 'parquet' }));
  const { writeFileSync } = await import('node:fs');
  writeFileSync(join(inputs, 'org.json'), JSON.stringify({ focusFiles: org.focusFiles, snapshotFiles: org.snapshotFiles, period: org.period }));
  writeFileSync(join(inputs, 'config.yaml'), org.configYaml);
  return { name: 'generate', seconds: { generate: s }, peakRssMb: peakRssMb(), info: { size } };
}

async function phaseFloor(): Promise<PhaseResult> {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const { focusFiles } = await orgFiles();
  const db = await DuckDBInstance.create(':memory:', { threads: '2' });
  const conn = await db.connect();
  const files = `[${focusFiles.map((f) => `'${f}'`).join(', ')}]`;
  const [rows, s] = await time(async () =>
    (await conn.runAndReadAll(
      `SELECT json_extract_string(Tags, '$.team') AS team, sum(EffectiveCost) AS cost FROM read_parquet(${files}) GROUP BY ALL`,
    )).getRowObjectsJson(),
  );
  conn.closeSync();
  db.closeSync();
  return { name: 'floor', seconds: { scan: s }, rows: { groups: rows.length }, peakRssMb: peakRssMb() };
}

async function phaseCopy(): Promise<PhaseResult> {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const { focusFiles } = await orgFiles();
  const dbFile = join(out, 'copy.duckdb');
  rmSync(dbFile, { force: true });
  const db = await DuckDBInstance.create(dbFile, { threads: '2', memory_limit: '1GB' });
  const conn = await db.connect();
  const files = `[${focusFiles.map((f) => `'${f}'`).join(', ')}]`;
  const [, s] = await time(() => conn.run(`CREATE TABLE focus AS SELECT * FROM read_parquet(${files})`));
  conn.closeSync();
  db.closeSync();
  rmSync(dbFile, { force: true });
  return { name: 'copy', seconds: { copy: s }, peakRssMb: peakRssMb() };
}

async function phasePipeline(): Promise<PhaseResult> {
  const { Store } = await import('../src/store/db.ts');
  const { ingestFocusFiles } = await import('../src/ingest/focus/ingest.ts');
  const { ingestSnapshotFiles } = await import('../src/ingest/k8s/index.ts');
  const { attribute } = await import('../src/allocate/run.ts');
  const { buildChargebackExport } = await import('../src/close/close.ts');
  const { loadConfigFile } = await import('../src/config/load.ts');
  const { writeFileSync } = await import('node:fs');
  const { focusFiles, snapshotFiles, period } = await orgFiles();
  const dbFile = join(out, 'allot.duckdb');
  rmSync(dbFile, { force: true });
  rmSync(`${dbFile}.wal`, { force: true });
  const store = await Store.open(dbFile);
  const loaded = loadConfigFile(join(inputs, 'config.yaml'));
  const [focus, tFocus] = await time(() => ingestFocusFiles(store, focusFiles), 'ingest FOCUS');
  const [snaps, tSnaps] = await time(() => ingestSnapshotFiles(store, snapshotFiles), 'ingest snapshots');
  const [run, tAttr] = await time(() => attribute(store, loaded, period), 'attribute');
  const [exp, tExport] = await time(async () => {
    const e = await buildChargebackExport(store, period);
    writeFileSync(join(out, `chargeback-${period}.csv`), e.csv);
    return e;
  });
  store.close();
  const lineItems = focus.files.reduce((a, f) => a + f.rowsLoaded, 0);
  const podRows = snaps.reduce((a, f) => a + ((f as { pods?: number }).pods ?? 0), 0);
  return {
    name: 'pipeline',
    seconds: { ingest_focus: tFocus, ingest_k8s: tSnaps, attribute: tAttr, export: tExport },
    rows: { line_items: lineItems, pod_samples: podRows, chargeback_rows: exp.manifest.rows },
    peakRssMb: peakRssMb(),
    info: { reconciles: run.totals.every((t) => t.ok), allocated: run.allocatedPercent, db_mb: Math.round(statSync(dbFile).size / 2 ** 20) },
  };
}

async function orgFiles(): Promise<{ focusFiles: string[]; snapshotFiles: string[]; period: string }> {
  const { readFileSync } = await import('node:fs');
  return JSON.parse(readFileSync(join(inputs, 'org.json'), 'utf8'));
}

/** Runs one phase in a fresh Node process and returns what it printed. */
function inChild(phase: string): PhaseResult {
  const argv = [TSX, SELF, '--phase', phase, '--out', out, '--line-items', args['line-items']!, '--teams', args.teams!,
    '--clusters', args.clusters!, '--pods', args.pods!, '--period', args.period!, '--seed', args.seed!];
  const stdout = execFileSync(process.execPath, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 24 });
  return JSON.parse(stdout.trim().split('\n').pop()!) as PhaseResult;
}

const fmt = (n: number, d = 1) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

async function main(): Promise<void> {
  if (args.phase) {
    const fn = { generate: phaseGenerate, floor: phaseFloor, copy: phaseCopy, pipeline: phasePipeline }[args.phase];
    if (!fn) throw new Error(`unknown phase ${args.phase}`);
    process.stdout.write(`${JSON.stringify(await fn())}\n`);
    return;
  }
  mkdirSync(out, { recursive: true });
  console.log(`Allot benchmark: ${fmt(Number(args['line-items']), 0)} line items, ${args.teams} teams, ${args.clusters} clusters × ${args.pods} pods hourly for ${args.period}`);
  if (!(args['reuse-inputs'] && existsSync(join(inputs, 'org.json')))) {
    const g = inChild('generate');
    console.log(`  generated inputs in ${fmt(g.seconds.generate!)} s (not part of the pipeline)`);
  }
  const floor = inChild('floor');
  const copy = inChild('copy');
  const p = inChild('pipeline');
  const s = p.seconds;
  const pipeline = s.ingest_focus! + s.attribute! + s.export!;
  const withK8s = pipeline + s.ingest_k8s!;
  const rows = p.rows!;
  console.log('');
  console.log(`  floor: bare scan summing the Parquet by team tag   ${fmt(floor.seconds.scan!, 2)} s   peak RSS ${floor.peakRssMb} MB`);
  console.log(`  copy: the Parquet as it is into a DuckDB file       ${fmt(copy.seconds.copy!, 2)} s   peak RSS ${copy.peakRssMb} MB`);
  console.log(`  ingest FOCUS      ${fmt(s.ingest_focus!, 2)} s   ${fmt(rows.line_items! / s.ingest_focus!, 0)} rows/s`);
  console.log(`  ingest snapshots  ${fmt(s.ingest_k8s!, 2)} s   ${fmt(rows.pod_samples! / s.ingest_k8s!, 0)} pod samples/s`);
  console.log(`  attribute         ${fmt(s.attribute!, 2)} s   reconciles: ${p.info!.reconciles}`);
  console.log(`  export            ${fmt(s.export!, 2)} s   ${rows.chargeback_rows} rows`);
  console.log(`  peak RSS (pipeline process)  ${p.peakRssMb} MB; store ${p.info!.db_mb} MB`);
  console.log('');
  console.log(`  pipeline (FOCUS ingest + attribute + export) ÷ floor: ${fmt(pipeline / floor.seconds.scan!, 1)}×`);
  console.log(`  with snapshot ingest too ÷ floor:                    ${fmt(withK8s / floor.seconds.scan!, 1)}×`);
  console.log(`  FOCUS ingest ÷ copy:                                 ${fmt(s.ingest_focus! / copy.seconds.copy!, 1)}×`);
}

await main();
