// Seeded generator of a realistic organisation's cloud bill (FOCUS files) and
// Kubernetes usage (snapshot JSONL), for the demo and the benchmark.
//
// Every large table is generated inside DuckDB from range() and hash(seed, keys):
// no per-row JavaScript. The same seed and size give byte-identical files: every
// row written is placed by a total ORDER BY. Money is DECIMAL from the unit
// prices to the totals in `expected`; quantities are drawn as doubles and then
// fixed to DECIMAL(18,3) before anything is priced.
//
// This file runs the steps and writes the files; generate/ holds one module per
// thing generated (model, resources, kubernetes, line items, extras, snapshots, totals).

import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { parsePeriod } from '../util/period.ts';
import { join, resolve } from 'node:path';
import { outputSelect, stagedSelect, TIMESTAMP_FORMAT } from './focus.ts';
import { buildOrg, configYaml, type OrgSize } from './org.ts';
import { buildCapabilityRows, withCapabilities } from './capabilities.ts';
import { buildExtras, dayChunks, fileConstants } from './generate/extras.ts';
import { buildKubernetes } from './generate/kubernetes.ts';
import { buildLineItemViews } from './generate/line-items.ts';
import { loadModel } from './generate/model.ts';
import { buildResources } from './generate/resources.ts';
import { writeSnapshots } from './generate/snapshots.ts';
import { all, generatorDb, lit } from './generate/sql.ts';
import { computeTotals, type ExpectedTotal } from './generate/totals.ts';

export type { OrgSize } from './org.ts';
export type { ExpectedTotal } from './generate/totals.ts';
export { FOCUS_COLUMNS, focusCsvColumnsSql, TIMESTAMP_FORMAT } from './focus.ts';

/** What `allot demo` shows: one realistic mid-size company, six months of history. */
export const DEMO_SIZE: OrgSize = { teams: 15, awsAccounts: 6, gcpProjects: 3, lineItems: 25_000, clusters: 2, podsPerCluster: 40, months: 6 };

/** The benchmark: one month at enterprise scale. */
export const BENCH_SIZE: OrgSize = { teams: 300, awsAccounts: 40, gcpProjects: 10, lineItems: 10_000_000, clusters: 3, podsPerCluster: 2000, months: 1 };

export interface GenerateOptions {
  seed: number;
  /** 'YYYY-MM': the last month generated. */
  period: string;
  size: OrgSize;
  format: 'csv' | 'parquet';
  /** ISO 4217 code written as BillingCurrency (default USD). */
  currency?: string;
  /** DuckDB memory_limit (default 900MB): above it DuckDB spills to outDir/.duckdb-tmp. */
  memoryLimit?: string;
}

export interface ExpectedSnapshots {
  cluster: string;
  period: string;
  snapshots: number;
  windowSeconds: number;
}

export interface GeneratedOrg {
  configYaml: string;
  /** Also written next to the data, so `allot --config <file>` works at once. */
  configFile: string;
  focusFiles: string[];
  snapshotFiles: string[];
  /** The providers' invoices (CSV for `allot ingest invoices`): every month's, but Google's for the last month, not issued yet. */
  invoicesFile: string;
  /** The last period (as asked); `periods` lists all, oldest first. */
  period: string;
  periods: string[];
  expected: { totals: ExpectedTotal[]; snapshots: ExpectedSnapshots[] };
}

export async function generateOrg(outDir: string, opts: GenerateOptions): Promise<GeneratedOrg> {
  const { seed, period, size, format } = opts;
  const currency = opts.currency ?? 'USD';
  if (!Number.isSafeInteger(seed)) throw new Error(`demo seed must be an integer, got ${seed}`);
  parsePeriod(period, 'demo period');
  if (!/^[A-Z]{3}$/.test(currency)) throw new Error(`demo currency must be an ISO 4217 code, got "${currency}"`);
  if (format !== 'csv' && format !== 'parquet') throw new Error(`demo format must be csv or parquet, got "${String(format)}"`);
  const org = buildOrg(size);
  const periods = monthsEndingAt(period, size.months);

  const dir = resolve(outDir);
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, '.duckdb-tmp'); // spill files, staged rows and snapshot parts; removed at the end
  const { db, conn } = await generatorDb(tmp, opts.memoryLimit);
  try {
    await conn.run(`ATTACH ${lit(join(tmp, 'stage.duckdb'))} AS w`);
    await loadModel(conn, org, size, periods, seed, currency);
    await buildResources(conn, org, size);
    await buildKubernetes(conn, size);
    await buildLineItemViews(conn, currency);
    await buildExtras(conn, org, currency);
    await buildCapabilityRows(conn, org, size.months, currency);

    const focusFiles: string[] = [];
    const invoices: string[] = ['provider,billing_account_id,billing_period,currency,amount,invoice_id'];
    const ext = format === 'csv' ? 'csv' : 'parquet';
    const copyOpts = format === 'csv'
      ? `(FORMAT csv, HEADER, timestampformat '${TIMESTAMP_FORMAT}')`
      : '(FORMAT parquet, COMPRESSION zstd)';
    for (const [m, p] of periods.entries()) {
      for (const [provider, slug] of [['AWS', 'aws'], ['Google Cloud', 'gcp']] as const) {
        const file = join(dir, `focus-${slug}-${p}.${ext}`);
        const where = `ProviderName = ${lit(provider)} AND _m = ${m}`;
        // Rows are sorted a few days at a time (days lead the sort key) into a
        // scratch database file, then copied: each sort fits in memory, the staged
        // rows are compressed on disk, and COPY of a table writes on all threads
        // (COPY of an ORDER BY query writes on one, several times slower).
        for (const [i, [lo, hi]] of (await dayChunks(conn, provider, m)).entries()) {
          const range = `${where} AND ChargePeriodStart >= '${lo}' AND ChargePeriodStart < '${hi}'`;
          await conn.run(`${i === 0 ? 'CREATE OR REPLACE TABLE w.out_rows AS' : 'INSERT INTO w.out_rows'}
            SELECT ${stagedSelect(format)} FROM (
              SELECT * FROM li_focus WHERE ${range}
              UNION ALL SELECT * FROM li_extra WHERE ${range})
            ORDER BY ChargePeriodStart, _src, _k1, _j`);
        }
        // A projection of one table keeps its row order (DuckDB's documented order preservation).
        await conn.run(`COPY (SELECT ${outputSelect(format, await fileConstants(conn, provider, m, currency))} FROM w.out_rows)
          TO ${lit(file)} ${copyOpts}`);
        await conn.run('DROP TABLE w.out_rows');
        focusFiles.push(file);
        // What the provider invoices: the month's BilledCost, to the cent. Google bills the last month later.
        if (provider === 'Google Cloud' && p === period) continue;
        const inv = (await all(conn, `SELECT (SELECT bill_id FROM p_providers WHERE provider = ${lit(provider)}) AS account,
            round(sum(BilledCost), 2)::DECIMAL(38,2)::VARCHAR AS amount
          FROM (SELECT BilledCost FROM li_focus WHERE ${where} UNION ALL SELECT BilledCost FROM li_extra WHERE ${where})`))[0]!;
        invoices.push(`${slug},${inv.account},${p},${currency},${inv.amount},${slug.toUpperCase()}-${p.replace('-', '')}-0001`);
      }
    }
    const invoicesFile = join(dir, 'invoices.csv');
    writeFileSync(invoicesFile, `${invoices.join('\n')}\n`);

    const snapshotFiles = await writeSnapshots(conn, dir, tmp, periods);
    const totals = await computeTotals(conn);
    const snapshots = (await all(conn, `
      SELECT cl.cluster_id AS cluster, mo.period, count(*)::INTEGER AS snapshots, min(s.window_seconds)::INTEGER AS "windowSeconds"
      FROM snaps s JOIN p_clusters cl USING (c) JOIN p_months mo USING (m)
      GROUP BY ALL ORDER BY cluster, period`)) as unknown as ExpectedSnapshots[];

    const yaml = withCapabilities(configYaml(org, { seed, period, currency }), org);
    const configFile = join(dir, 'allot.yaml');
    writeFileSync(configFile, yaml);
    return { configYaml: yaml, configFile, focusFiles, snapshotFiles, invoicesFile, period, periods, expected: { totals, snapshots } };
  } finally {
    conn.closeSync();
    db.closeSync();
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** The config YAML `generateOrg` writes for a size, without generating any data. */
export function demoConfigYaml(size: OrgSize, opts: { seed: number; period: string; currency?: string }): string {
  const org = buildOrg(size);
  return withCapabilities(configYaml(org, { seed: opts.seed, period: opts.period, currency: opts.currency ?? 'USD' }), org);
}

/** `n` months ending at `last`, oldest first. */
export function monthsEndingAt(last: string, n: number): string[] {
  const [y, m] = last.split('-').map(Number) as [number, number];
  const out: string[] = [];
  for (let i = n - 1; i >= 0; i--) {
    const idx = y * 12 + (m - 1) - i;
    out.push(`${Math.floor(idx / 12)}-${String((idx % 12) + 1).padStart(2, '0')}`);
  }
  return out;
}
