/**
 * `npx tsx bench/k8s-snapshots.ts [--out DIR] [--pods N] [--clusters N] [--reader auto|lines] [--fresh]`
 *
 * Snapshot import alone, both readers: the demo generator writes one month
 * of hourly snapshots (default 3 clusters × 2,000 pods: 4.3 million pod
 * samples, as `npm run bench`) into DIR/k8s-inputs, kept for later runs;
 * then each reader imports every file into a fresh store in its own process
 * (so that its peak RSS is its own) and the script prints seconds, pod
 * samples/s and peak RSS. `--reader` runs one reader in this process.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    out: { type: 'string', default: 'bench-out' },
    pods: { type: 'string', default: '2000' },
    clusters: { type: 'string', default: '3' },
    reader: { type: 'string' },
    fresh: { type: 'boolean', default: false },
  },
});

const TSX = fileURLToPath(new URL('../node_modules/tsx/dist/cli.mjs', import.meta.url));
const SELF = fileURLToPath(import.meta.url);
const inputs = join(resolve(args.out!), 'k8s-inputs');
const listFile = join(inputs, 'snapshots.json');

interface Run {
  reader: string;
  seconds: number;
  podSamples: number;
  snapshots: number;
  peakRssMb: number;
}

async function generate(): Promise<string[]> {
  const params = { clusters: Number(args.clusters), pods: Number(args.pods) };
  if (!args.fresh && existsSync(listFile)) {
    const kept = JSON.parse(readFileSync(listFile, 'utf8')) as { params: typeof params; files: string[] };
    if (JSON.stringify(kept.params) === JSON.stringify(params)) return kept.files;
  }
  const { generateOrg, BENCH_SIZE } = await import('../src/demo/generator.ts');
  rmSync(inputs, { recursive: true, force: true });
  const t = process.hrtime.bigint();
  const org = await generateOrg(inputs, {
    seed: 7,
    period: '2026-10',
    size: { ...BENCH_SIZE, lineItems: 1000, clusters: params.clusters, podsPerCluster: params.pods },
    format: 'parquet',
  });
  process.stderr.write(`  … generated ${org.snapshotFiles.length} snapshot files in ${(Number(process.hrtime.bigint() - t) / 1e9).toFixed(1)} s\n`);
  writeFileSync(listFile, JSON.stringify({ params, files: org.snapshotFiles }, null, 2));
  return org.snapshotFiles;
}

async function runReader(reader: 'auto' | 'lines', files: string[]): Promise<Run> {
  const { Store } = await import('../src/store/db.ts');
  const { ingestSnapshotFiles } = await import('../src/ingest/k8s/index.ts');
  const db = join(inputs, `bench-${reader}.duckdb`);
  for (const f of [db, `${db}.wal`]) rmSync(f, { force: true });
  const store = await Store.open(db);
  const t = process.hrtime.bigint();
  const results = await ingestSnapshotFiles(store, files, { reader });
  const seconds = Number(process.hrtime.bigint() - t) / 1e9;
  store.close();
  for (const f of [db, `${db}.wal`]) rmSync(f, { force: true });
  return {
    reader,
    seconds,
    podSamples: results.reduce((a, r) => a + r.pods, 0),
    snapshots: results.reduce((a, r) => a + r.snapshots, 0),
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
  };
}

const files = await generate();
if (args.reader) {
  if (args.reader !== 'auto' && args.reader !== 'lines') throw new Error(`--reader: auto or lines, got ${args.reader}`);
  process.stdout.write(`${JSON.stringify(await runReader(args.reader, files))}\n`);
} else {
  console.log(`Snapshot import on ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown CPU'}); load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  for (const reader of ['auto', 'lines']) {
    const argv = [TSX, SELF, '--reader', reader, '--out', args.out!, '--pods', args.pods!, '--clusters', args.clusters!];
    const out = execFileSync(process.execPath, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    const r = JSON.parse(out.trim().split('\n').pop()!) as Run;
    const rate = Math.round(r.podSamples / r.seconds).toLocaleString('en-US');
    console.log(
      `  ${reader === 'auto' ? 'DuckDB reader (default)' : 'line reader (--reader lines)'}: ${r.snapshots.toLocaleString('en-US')} snapshots, ` +
        `${r.podSamples.toLocaleString('en-US')} pod samples in ${r.seconds.toFixed(2)} s: ${rate} pod samples/s, peak RSS ${r.peakRssMb} MB`,
    );
  }
  console.log(`  load average after: ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
}
