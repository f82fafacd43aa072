// Seeded generator of a realistic organisation's cloud bill (FOCUS files) and
// Kubernetes usage (snapshot JSONL), for the demo and the benchmark.
//
// Every large table is generated inside DuckDB from range() and hash(seed, keys):
// no per-row JavaScript. The same seed and size give byte-identical files: every
// row written is placed by a total ORDER BY. Money is DECIMAL from the unit
// prices to the totals in `expected`; quantities are drawn as doubles and then
// fixed to DECIMAL(18,3) before anything is priced.

import { createReadStream, createWriteStream, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { parsePeriod } from '../util/period.ts';
import { join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { awsSkuId, gcpSkuId, KINDS, WORDS } from './catalog.ts';
import { focusSelect, outputSelect, stagedSelect, TIMESTAMP_FORMAT, type FocusColumn } from './focus.ts';
import { buildOrg, configYaml, type Org, type OrgSize } from './org.ts';
import { buildCapabilityRows, withCapabilities } from './capabilities.ts';
import { addMonths } from '../util/period.ts';

export type { OrgSize } from './org.ts';
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

/** Totals of one period and currency, over every FOCUS file written (exact decimal strings, scale 10). */
export interface ExpectedTotal {
  period: string;
  currency: string;
  lineItems: number;
  BilledCost: string;
  EffectiveCost: string;
  ListCost: string;
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

// Commercial terms of the fictional company, as exact decimals.
const AWS_NEGOTIATED = '0.94'; // private pricing: ContractedUnitPrice = 94% of list
const SP_RATE = '0.72'; // Savings Plan rate, as a share of list
const RI_RATE = '0.60'; // amortised RDS reservation rate, as a share of list
const TAX_RATE = '0.06';
const CREDIT_RATE = '0.05';
const AWS_SHARE = 0.7; // share of resources on AWS (the rest on Google Cloud)
// Requests/usage over the day (UTC), mean ~0.97.
const DIURNAL = [0.72, 0.68, 0.66, 0.65, 0.66, 0.7, 0.8, 0.92, 1.05, 1.16, 1.24, 1.28, 1.3, 1.29, 1.27, 1.24, 1.2, 1.14, 1.06, 0.98, 0.9, 0.84, 0.79, 0.75];
// Pod samples per snapshot COPY: bounds the memory of building the JSON lines.
const SAMPLES_PER_CHUNK = 150_000;
// Line items per in-memory sort when writing FOCUS files.
const ROWS_PER_SORT = 600_000;

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
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const db = await DuckDBInstance.create(':memory:', {
    threads: '2',
    memory_limit: opts.memoryLimit ?? '900MB',
    temp_directory: tmp,
    preserve_insertion_order: 'true',
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'false',
  });
  const conn = await db.connect();
  try {
    await conn.run("SET TimeZone = 'UTC'");
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

// ---------------------------------------------------------------------------
// The model: small tables from TypeScript.

async function loadModel(conn: DuckDBConnection, org: Org, size: OrgSize, periods: string[], seed: number, currency: string): Promise<void> {
  // hash() of (seed, keys..., salt): the only source of randomness. Arguments are
  // cast so that the same key always hashes the same way, whatever its SQL type.
  await conn.run(`CREATE MACRO hh(a, b, c, s) AS hash(${seed}::BIGINT, a::BIGINT, b::BIGINT, c::BIGINT, s::VARCHAR)`);
  await conn.run('CREATE MACRO uu(a, b, c, s) AS (hh(a, b, c, s) >> 32)::DOUBLE / 4294967296.0');
  await conn.run("CREATE MACRO hx(a, b, c, s) AS printf('%016x', hh(a, b, c, s))");

  await table(conn, 'p_months', 'm INTEGER, period VARCHAR, mstart TIMESTAMP, mnext TIMESTAMP',
    periods.map((p, m) => [m, p, `${p}-01 00:00:00`, `${addMonths(p, 1)}-01 00:00:00`]));
  await conn.run(`CREATE TABLE p_days AS
    SELECT m, day_start, datediff('day', mstart, day_start)::INTEGER AS d, (m * 32 + datediff('day', mstart, day_start))::INTEGER AS di,
           dayofweek(day_start) IN (0, 6) AS weekend, datediff('day', mstart, mnext)::INTEGER AS ndays
    FROM (SELECT m, mstart, mnext, unnest(generate_series(mstart, mnext - INTERVAL 1 DAY, INTERVAL 1 DAY)) AS day_start FROM p_months)`);

  await table(conn, 'p_providers', 'provider VARCHAR, bill_id VARCHAR, bill_name VARCHAR, issuer VARCHAR, publisher VARCHAR, disc DECIMAL(6,4)', [
    ['AWS', '210987654321', 'Acme Corp', 'Amazon Web Services, Inc.', 'Amazon Web Services, Inc.', AWS_NEGOTIATED],
    ['Google Cloud', '01A2B3-C4D5E6-F7A8B9', 'Acme Corp GCP Billing', 'Google LLC', 'Google Cloud', '1'],
  ]);
  await conn.run(`CREATE TABLE p_currency AS SELECT ${lit(currency)} AS currency`);

  const teamIdx = new Map(org.teams.map((t, i) => [t.id, i]));
  await table(conn, 'p_teams', 'team_id VARCHAR, t INTEGER, alias1 VARCHAR, jump_m INTEGER, jump_share DOUBLE',
    org.teams.map((t, i) => {
      const j = org.jumps.find((x) => x.team === t.id);
      return [t.id, i, t.aliases[0] ?? null, j?.month ?? null, j?.share ?? null];
    }));

  await table(conn, 'p_kinds', 'k INTEGER, provider VARCHAR, service VARCHAR, category VARCHAR, rtype VARCHAR, rid VARCHAR, rname VARCHAR, zonal BOOLEAN, global BOOLEAN',
    KINDS.map((k, i) => [i, k.provider, k.service, k.category, k.resourceType, k.rid, k.name, k.zonal ?? false, k.global ?? false]));
  // Weighted picks use integer cumulative ranges [lo, hi) within a group.
  const kindTotal = new Map<string, number>();
  const roleRows: unknown[][] = [];
  for (const provider of ['AWS', 'Google Cloud'] as const) {
    for (const role of ['platform', 'security', 'shared', 'team', 'ml', 'analytics'] as const) {
      const ks = KINDS.map((k, i) => ({ i, w: k.provider === provider ? (k.roles[role] ?? 0) : 0 })).filter((x) => x.w > 0);
      const total = ks.reduce((s, x) => s + x.w, 0);
      kindTotal.set(`${provider}/${role}`, total);
      let lo = 0;
      for (const x of ks) {
        roleRows.push([provider, role, x.i, lo, lo + x.w, total]);
        lo += x.w;
      }
    }
  }
  await table(conn, 'p_kind_roles', 'provider VARCHAR, role VARCHAR, k INTEGER, lo BIGINT, hi BIGINT, total BIGINT', roleRows);
  const accRows: unknown[][] = [];
  for (const provider of ['AWS', 'Google Cloud'] as const) {
    const accs = org.accounts.filter((a) => a.provider === provider);
    const ws = accs.map((a) => Math.max(1, Math.round(a.weight * 100)));
    const total = ws.reduce((x, y) => x + y, 0);
    let lo = 0;
    accs.forEach((a, i) => {
      accRows.push([org.accounts.indexOf(a), provider, a.id, a.name, a.role, a.owner === null ? null : teamIdx.get(a.owner)!, a.region, a.regionName, lo, lo + ws[i]!, total, kindTotal.get(`${provider}/${a.role}`)!]);
      lo += ws[i]!;
    });
  }
  await table(conn, 'p_accounts', 'a INTEGER, provider VARCHAR, sub_account_id VARCHAR, sub_account_name VARCHAR, role VARCHAR, owner_t INTEGER, region_id VARCHAR, region_name VARCHAR, lo BIGINT, hi BIGINT, total BIGINT, kind_total BIGINT', accRows);

  await table(conn, 'p_skus', 'k INTEGER, j INTEGER, sku_id VARCHAR, sku_price_id VARCHAR, descr VARCHAR, unit VARCHAR, price DECIMAL(18,10), mode VARCHAR, lo DOUBLE, hi DOUBLE, commit VARCHAR',
    KINDS.flatMap((k, i) => k.skus.map((s, j) => {
      const id = k.provider === 'AWS' ? awsSkuId(`${k.key}/${s.key}`) : gcpSkuId(`${k.key}/${s.key}`);
      return [i, j, id, k.provider === 'AWS' ? `${id}.JRTCKXETXF.6YS6EN2CT7` : id, s.description, s.unit, s.price, s.qty, s.lo, s.hi, s.commit ?? null];
    })));

  // Clusters: node SKUs (an EC2 instance, or a GCE VM's cores and RAM) and the control-plane fee.
  const accIdx = new Map(org.accounts.map((a, i) => [a.id, i]));
  await table(conn, 'p_clusters', 'c INTEGER, cluster_id VARCHAR, provider VARCHAR, a INTEGER, acct VARCHAR, acct_name VARCHAR, region_id VARCHAR, region_name VARCHAR, tag_key VARCHAR, itype VARCHAR, cores INTEGER, mem_bytes BIGINT, fill DOUBLE, ns_count INTEGER, ns_total BIGINT, node_tags VARCHAR, fee_tags VARCHAR, fee_rid VARCHAR',
    org.clusters.map((c, i) => {
      const acc = org.accounts.find((a) => a.id === c.account)!;
      const aws = c.provider === 'AWS';
      const nodeTags = aws
        ? { 'eks:cluster-name': c.id, 'eks:nodegroup-name': 'general', [`kubernetes.io/cluster/${c.id}`]: 'owned' }
        : { 'goog-k8s-cluster-name': c.id, 'goog-k8s-node-pool-name': 'default-pool', 'goog-k8s-cluster-location': c.region };
      const feeRid = aws
        ? `arn:aws:eks:${c.region}:${c.account}:cluster/${c.id}`
        : `//container.googleapis.com/projects/${c.account}/locations/${c.region}/clusters/${c.id}`;
      return [i, c.id, c.provider, accIdx.get(c.account)!, c.account, acc.name, c.region, c.regionName, c.tagKey, c.instanceType, c.cores, c.memoryBytes, c.fill,
        c.namespaces.length, c.namespaces.reduce((s, n) => s + n.weight, 0), JSON.stringify(nodeTags), JSON.stringify({ [c.tagKey]: c.id }), feeRid];
    }));
  await table(conn, 'p_cluster_skus', 'c INTEGER, j INTEGER, service VARCHAR, category VARCHAR, rtype VARCHAR, sku_id VARCHAR, sku_price_id VARCHAR, descr VARCHAR, unit VARCHAR, price DECIMAL(18,10), qty DECIMAL(18,3), commit VARCHAR',
    org.clusters.flatMap((c, i) => {
      if (c.provider === 'AWS') {
        const id = awsSkuId(`node/${c.instanceType}`);
        return [[i, 0, 'Amazon Elastic Compute Cloud', 'Compute', 'instance', id, `${id}.JRTCKXETXF.6YS6EN2CT7`, `$0.384 per On Demand Linux ${c.instanceType} Instance Hour`, 'Hours', '0.384', '24', 'sp']];
      }
      const gib = Math.round(c.memoryBytes / 2 ** 30);
      return [
        [i, 0, 'Compute Engine', 'Compute', 'instance', gcpSkuId('gce-n2-standard-4/N2-Core'), gcpSkuId('gce-n2-standard-4/N2-Core'), 'N2 Instance Core running in Americas', 'Hours', '0.031611', String(24 * c.cores), null],
        [i, 1, 'Compute Engine', 'Compute', 'instance', gcpSkuId('gce-n2-standard-4/N2-Ram'), gcpSkuId('gce-n2-standard-4/N2-Ram'), 'N2 Instance Ram running in Americas', 'GiB-Hours', '0.004237', String(24 * gib), null],
      ];
    }));
  const nsRows: unknown[][] = [];
  org.clusters.forEach((c, ci) => {
    let lo = 0;
    c.namespaces.forEach((n, i) => {
      nsRows.push([ci, i, n.name, JSON.stringify(n.labels), lo, lo + n.weight, n.workloads, n.name === 'kube-system' || n.name === 'monitoring']);
      lo += n.weight;
    });
  });
  await table(conn, 'p_ns', 'c INTEGER, i INTEGER, name VARCHAR, labels VARCHAR, lo BIGINT, hi BIGINT, workloads VARCHAR[], system BOOLEAN', nsRows);
  // Weighted picks join on equality with one row per unit of weight: range joins are slow.
  await conn.run('CREATE TABLE p_account_slots AS SELECT provider, total, unnest(range(lo, hi)) AS slot, a FROM p_accounts');
  await conn.run('CREATE TABLE p_kind_slots AS SELECT provider, role, total, unnest(range(lo, hi)) AS slot, k FROM p_kind_roles');
  await conn.run('CREATE TABLE p_ns_slots AS SELECT c, unnest(range(lo, hi)) AS slot, i FROM p_ns');
  await table(conn, 'p_words', 'words VARCHAR[], unknown VARCHAR[]', [[WORDS, org.unknownTeamValues]]);
  await conn.run(`CREATE TABLE p_commit AS SELECT
      'arn:aws:savingsplans::${org.platformAccount}:savingsplan/' || ${uuidSql('1', '0', "'sp'")} AS sp_id,
      'arn:aws:rds:eu-west-1:${org.platformAccount}:ri:acme-rds-' || substr(hx(2, 0, 0, 'ri'), 1, 8) AS ri_id,
      ${lit(org.platformAccount)} AS owner_acct,
      (SELECT a FROM p_accounts WHERE sub_account_id = ${lit(org.platformAccount)}) AS owner_a,
      (SELECT sub_account_name FROM p_accounts WHERE sub_account_id = ${lit(org.platformAccount)}) AS owner_name,
      ${lit(org.creditAccount)} AS credit_acct`);
}

/** A UUID-shaped string from two hashes of the key. */
function uuidSql(a: string, b: string, salt: string): string {
  const x = `hx(${a}, ${b}, 0, ${salt})`;
  const y = `hx(${a}, ${b}, 1, ${salt})`;
  return `(substr(${x},1,8) || '-' || substr(${x},9,4) || '-4' || substr(${x},14,3) || '-a' || substr(${y},2,3) || '-' || substr(${y},5,12))`;
}

// ---------------------------------------------------------------------------
// Resources: one row per cloud resource, with its account, kind, owner, tags.

async function buildResources(conn: DuckDBConnection, org: Org, size: OrgSize): Promise<void> {
  const nTeams = org.teams.length;
  const dataT = org.teams.findIndex((t) => t.id === 'data-platform');
  const months = size.months;
  // Rows a resource contributes per day, on average, so the last month has ~lineItems rows.
  const awsAvg = avgSkus('AWS');
  const gcpAvg = avgSkus('Google Cloud');
  const perDay = AWS_SHARE * awsAvg + (1 - AWS_SHARE) * gcpAvg;
  const nRes = Math.max(10, Math.round(size.lineItems / 30.4 / perDay));
  const totals = Object.fromEntries((await all(conn, 'SELECT DISTINCT provider, total FROM p_accounts'))
    .map((r) => [r.provider as string, Number(r.total)])) as Record<string, number>;

  await conn.run(`CREATE TABLE res_base AS
    WITH b AS (
      SELECT r::BIGINT AS r,
        CASE WHEN uu(r, 0, 0, 'prov') < ${AWS_SHARE} THEN 'AWS' ELSE 'Google Cloud' END AS provider,
        hh(r, 0, 0, 'acct') AS h_acct, hh(r, 0, 0, 'kind') AS h_kind,
        CASE WHEN uu(r, 0, 0, 'prov') < ${AWS_SHARE} THEN ${totals.AWS} ELSE ${totals['Google Cloud']} END AS acct_total,
        uu(r, 0, 0, 'team') AS u_team, uu(r, 0, 0, 'own') AS u_own
      FROM range(${nRes}) t(r)
    ), ba AS (
      SELECT b.*, a.a, a.sub_account_id, a.sub_account_name, a.role, a.owner_t, a.region_id, a.region_name, a.kind_total
      FROM b JOIN p_account_slots sl ON sl.provider = b.provider AND sl.slot = b.h_acct % b.acct_total
      JOIN p_accounts a ON a.a = sl.a
    ), bk AS (
      SELECT ba.*, ks.k FROM ba
      JOIN p_kind_slots ks ON ks.provider = ba.provider AND ks.role = ba.role AND ks.slot = ba.h_kind % ba.kind_total
    )
    SELECT bk.*,
      CASE
        WHEN role IN ('platform', 'security') THEN NULL
        WHEN owner_t IS NOT NULL AND u_own < 0.95 THEN owner_t
        WHEN role = 'analytics' AND ${dataT} >= 0 AND u_own < 0.5 THEN ${dataT}
        ELSE floor(${nTeams} * u_team * (0.4 + 0.6 * u_team))::INTEGER  -- skewed: earlier teams are bigger
      END AS t
    FROM bk`);

  const cap = (x: string) => `(upper(${x}[1]) || ${x}[2:])`;
  const tag = (val: string, extra = "'\",\"env\":\"' || env || '\"}'") => `'{"team":"' || ${val} || ${extra}`;
  await conn.run(`CREATE TABLE res AS
    WITH x AS (
      SELECT rb.*, te.team_id, te.alias1, te.jump_m, te.jump_share,
        hh(r, 0, 0, 'tagv') % 1000 AS v, hh(r, 0, 0, 'tagw') % 1000 AS w,
        CASE WHEN hh(r, 0, 0, 'env') % 100 < 15 THEN 'staging' ELSE 'prod' END AS env,
        (SELECT words FROM p_words)[1 + (hh(r, 0, 0, 'word') % ${WORDS.length})::INTEGER] AS word,
        (SELECT unknown FROM p_words)[1 + (hh(r, 0, 0, 'unk') % ${org.unknownTeamValues.length})::INTEGER] AS unknown_value,
        hx(r, 0, 0, 'id') AS hx1, hx(r, 0, 1, 'id') AS hx2,
        uu(r, 0, 0, 'birth') AS u_birth, uu(r, 0, 0, 'birth2') AS u_birth2, hh(r, 0, 0, 'birthm') AS h_birth,
        uu(r, 0, 0, 'cover') AS u_cover,
        (hh(r, 0, 0, 'n') % 20 + 1)::VARCHAR AS n,
        CASE WHEN provider = 'AWS' THEN region_id || ['a', 'b', 'c'][1 + (hh(r, 0, 0, 'zone') % 3)::INTEGER]
             ELSE region_id || '-' || ['a', 'b', 'c', 'f'][1 + (hh(r, 0, 0, 'zone') % 4)::INTEGER] END AS zone
      FROM res_base rb LEFT JOIN p_teams te USING (t)
    ), y AS (
      SELECT x.*,
        CASE
          WHEN ${months} = 1 THEN 0
          WHEN jump_m IS NOT NULL AND u_birth < jump_share THEN jump_m   -- a team's visible jump
          WHEN u_birth2 < 0.8 THEN 0
          ELSE 1 + (h_birth % ${Math.max(1, months - 1)})::INTEGER        -- mild month-over-month growth
        END AS birth_m,
        CASE
          WHEN role = 'platform' THEN CASE WHEN v < 500 THEN NULL ELSE '{"env":"shared","component":"' || word || '"}' END
          WHEN role = 'security' THEN CASE WHEN v < 400 THEN NULL ELSE '{"env":"shared","compliance":"soc2"}' END
          WHEN role IN ('team', 'ml') AND v < 350 THEN NULL                                 -- owned by account
          WHEN role NOT IN ('team', 'ml') AND v < 45 THEN NULL                              -- no owner
          WHEN role NOT IN ('team', 'ml') AND v < 90 THEN ${tag('unknown_value')}           -- names no team
          WHEN w < 60 THEN '{"owner":"' || team_id || '","env":"' || env || '"}'            -- second tag key
          WHEN w < 110 THEN ${tag(`coalesce(alias1, ${cap('team_id')})`)}                   -- alias
          WHEN w < 150 THEN ${tag(`CASE WHEN w % 2 = 0 THEN ${cap('team_id')} ELSE upper(team_id) END`)}
          WHEN w % 10 < 3 THEN ${tag('team_id', `'","env":"' || env || '","service":"' || word || '"}'`)}
          ELSE ${tag('team_id')}
        END AS tags
      FROM x
    )
    SELECT r, provider, a, sub_account_id, sub_account_name, role, region_id, region_name, k, t, zone, tags, birth_m,
      u_cover < 0.5 AS cover_sp,
      birth_m = 0 AND u_cover < 0.6 AND region_id = 'eu-west-1' AS cover_ri,  -- the reservation is regional
      uu(r, 0, 0, 'auto') < 0.2 AS auto,
      ${template('kd.rid')} AS resource_id,
      ${template('kd.rname')} AS resource_name
    FROM y JOIN p_kinds kd USING (k, provider)`);

  // One row per resource, SKU and month it exists in, with the resource's level for that SKU.
  await conn.run(`CREATE TABLE res_sku AS
    SELECT r.r, s.j, r.provider, mo.m, r.sub_account_id, r.sub_account_name,
      CASE WHEN kd.global THEN NULL ELSE r.region_id END AS region_id,
      CASE WHEN kd.global THEN NULL ELSE r.region_name END AS region_name,
      CASE WHEN kd.zonal THEN r.zone END AS zone,
      kd.service, kd.category, kd.rtype, r.resource_id, r.resource_name, r.tags,
      s.sku_id, s.sku_price_id, s.descr, s.unit, s.price, s.mode, r.auto,
      s.lo + (s.hi - s.lo) * pow(uu(r.r, s.j, 0, 'lvl'), 3) AS level,
      CASE WHEN s.commit = 'sp' AND r.cover_sp THEN 'sp' WHEN s.commit = 'ri' AND r.cover_ri THEN 'ri' END AS cover,
      ${unitPrices('s.price', 'cover')}
    FROM res r JOIN p_kinds kd USING (k) JOIN p_skus s USING (k) JOIN p_months mo ON mo.m >= r.birth_m
    JOIN p_providers pv ON pv.provider = r.provider`);
}

/**
 * Contracted and effective unit prices for a SKU (`pv` is its provider). Costs are
 * then qty DECIMAL(18,3) x unit price DECIMAL(18,10): DuckDB multiplies those in
 * 64 bits (and raise on overflow), far faster than 128-bit DECIMAL arithmetic.
 */
function unitPrices(price: string, cover: string): string {
  return `(${price} * pv.disc)::DECIMAL(18,10) AS cup,
      (CASE (${cover}) WHEN 'sp' THEN ${price} * ${SP_RATE} WHEN 'ri' THEN ${price} * ${RI_RATE} ELSE ${price} * pv.disc END)::DECIMAL(18,10) AS eff_price`;
}

/** Fills a ResourceId/ResourceName template from the row's columns. */
function template(col: string): string {
  const subs: [string, string][] = [
    ['{region}', 'region_id'], ['{acct}', 'sub_account_id'], ['{zone}', 'zone'], ['{team}', "coalesce(team_id, role)"],
    ['{word}', 'word'], ['{n}', 'n'], ['{hex4}', 'substr(hx1, 1, 4)'], ['{hex16}', 'hx1'], ['{hex32}', '(hx1 || hx2)'],
    ['{HEX13}', 'upper(substr(hx2, 1, 13))'], ['{uuid}', "(substr(hx1,1,8) || '-' || substr(hx1,9,4) || '-4' || substr(hx1,14,3) || '-a' || substr(hx2,2,3) || '-' || substr(hx2,5,12))"],
    ['{num}', '(hh(r, 0, 0, \'num\') % 10000000000000)::VARCHAR'],
  ];
  return subs.reduce((e, [k, v]) => `replace(${e}, '${k}', ${v})`, col);
}

function avgSkus(provider: string): number {
  // Weighted by the kinds' weights over all account roles: an estimate, so lineItems is approximate.
  const ks = KINDS.filter((k) => k.provider === provider);
  const w = ks.map((k) => Object.values(k.roles).reduce((s, x) => s + (x ?? 0), 0));
  const total = w.reduce((s, x) => s + x, 0);
  return ks.reduce((s, k, i) => s + k.skus.length * w[i]!, 0) / total;
}

// ---------------------------------------------------------------------------
// Kubernetes: pods per cluster-month, nodes sized to the requests, snapshots.

async function buildKubernetes(conn: DuckDBConnection, size: OrgSize): Promise<void> {
  const M = size.months;
  await conn.run(`CREATE TABLE pods_raw AS
    WITH pm AS (
      SELECT cl.c, mo.m, cl.ns_count, cl.ns_total,
        greatest(1, round(${size.podsPerCluster} * (1 - 0.04 * (${M - 1} - mo.m))))::INTEGER AS npods
      FROM p_clusters cl, p_months mo
    ), p AS (
      SELECT *, hh(c * 100 + m, p, 0, 'ns') % ns_total AS hns
      FROM (SELECT c, m, ns_count, ns_total, unnest(range(npods))::BIGINT AS p FROM pm)
    ), q AS (
      -- the first pods visit every namespace once, so none is empty; the rest follow the weights
      SELECT p.c, p.m, p.p, ns.name AS ns, ns.system, ns.workloads
      FROM p JOIN p_ns_slots sl ON sl.c = p.c AND sl.slot = p.hns
      JOIN p_ns ns ON ns.c = p.c AND ns.i = CASE WHEN p.p < p.ns_count THEN p.p ELSE sl.i END
    ), r AS (
      SELECT q.*, k,
        workloads[1 + (hh(k, p, 0, 'wl') % len(workloads))::INTEGER] AS workload,
        CASE WHEN system THEN [0.05, 0.1, 0.1, 0.2, 0.25, 0.5][1 + (hh(k, p, 0, 'cpu') % 6)::INTEGER]
             ELSE [0.1, 0.25, 0.25, 0.5, 0.5, 0.5, 0.75, 1, 1, 1.5, 2][1 + (hh(k, p, 0, 'cpu') % 11)::INTEGER] END::DECIMAL(18,3) AS cpu_req,
        [0.5, 0.75, 0.75, 1, 1, 1.25, 1.5][1 + (hh(k, p, 0, 'mem') % 7)::INTEGER] AS mem_f,
        uu(k, p, 0, 'ucpu') AS u1, uu(k, p, 0, 'ucpu2') AS u2, uu(k, p, 0, 'umem') AS u3, uu(k, p, 0, 'umem2') AS u4,
        hh(k, p, 0, 'miss') % 100 AS miss_h
      FROM (SELECT q.*, c * 100 + m AS k FROM q) q
    )
    SELECT c, m, p, ns, workload,
      workload || '-' || substr(hx(k, 0, 0, workload), 1, 10) || '-' || substr(hx(k, p, 0, 'pod'), 1, 5) AS pod_name,
      cpu_req,
      (greatest(64, round(cpu_req * 4096 * mem_f / 64) * 64) * 1048576)::BIGINT AS mem_req,
      CASE WHEN u1 < 0.1 THEN 1.05 + 0.7 * u2 ELSE 0.12 + 0.7 * u2 END AS util_cpu,  -- a tenth use more than they request
      CASE WHEN u3 < 0.06 THEN 1.02 + 0.3 * u4 ELSE 0.45 + 0.45 * u4 END AS util_mem,
      CASE WHEN miss_h < 3 THEN 'all' WHEN miss_h < 5 THEN 'mem' END AS miss           -- no metrics for a few pods
    FROM r`);

  // Enough nodes that requests fill the cluster's target share of capacity.
  await conn.run(`CREATE TABLE nodes AS
    WITH nc AS (
      SELECT c, m, greatest(3, ceil(sum(cpu_req)::DOUBLE / (any_value(fill) * any_value(cores))),
                               ceil(sum(mem_req)::DOUBLE / (any_value(fill) * any_value(mem_bytes))))::INTEGER AS nn
      FROM pods_raw JOIN p_clusters USING (c) GROUP BY c, m
    ), b AS (
      SELECT n.c, n.m, n.n, n.nn, cl.provider, cl.itype, cl.cores, cl.mem_bytes, cl.acct, cl.region_id, cl.cluster_id,
        cl.region_id || CASE WHEN cl.provider = 'AWS' THEN '' ELSE '-' END || ['a', 'b', 'c'][1 + n.n % 3] AS zone,
        'i-0' || hx(n.c * 100 + n.m, n.n, 0, 'iid') AS iid,
        n.n % 3 < 2 AS cover_sp                        -- two thirds of the EKS nodes run on the Savings Plan
      FROM (SELECT c, m, nn, unnest(range(nn))::INTEGER AS n FROM nc) n JOIN p_clusters cl USING (c)
    ), named AS (
      SELECT b.*, CASE WHEN provider = 'AWS'
        THEN 'ip-10-' || (40 + c) || '-' || ((m * 37 + n // 200) % 256) || '-' || (n % 200 + 10) || '.' || region_id || '.compute.internal'
        ELSE 'gke-' || cluster_id || '-default-pool-' || substr(hx(c * 100 + m, n % 3, 0, 'ig'), 1, 8) || '-' || substr(hx(c * 100 + m, n, 0, 'gn'), 1, 4)
        END AS name
      FROM b
    )
    SELECT c, m, n, nn, provider, itype, cores, mem_bytes, zone, name, cover_sp,
      CASE WHEN provider = 'AWS' THEN 'aws:///' || zone || '/' || iid ELSE 'gce://' || acct || '/' || zone || '/' || name END AS provider_id,
      CASE WHEN provider = 'AWS' THEN 'arn:aws:ec2:' || region_id || ':' || acct || ':instance/' || iid
           ELSE '//compute.googleapis.com/projects/' || acct || '/zones/' || zone || '/instances/' || name END AS resource_id,
      CASE WHEN provider = 'AWS'
        THEN json_object('node.kubernetes.io/instance-type', itype, 'topology.kubernetes.io/zone', zone, 'eks.amazonaws.com/nodegroup', 'general')
        ELSE json_object('node.kubernetes.io/instance-type', itype, 'topology.kubernetes.io/zone', zone, 'cloud.google.com/gke-nodepool', 'default-pool') END AS labels
    FROM named`);
  // Round-robin placement: pods come in random sizes, so nodes fill evenly.
  await conn.run(`CREATE TABLE pods AS
    SELECT pr.*, nd.name AS node FROM pods_raw pr JOIN nodes nd ON nd.c = pr.c AND nd.m = pr.m AND nd.n = pr.p % nd.nn`);

  // Hourly snapshots in the last month, daily before (keeps the demo small).
  await conn.run(`CREATE TABLE snaps AS
    SELECT c, m, ts, window_seconds,
      CASE WHEN window_seconds = 3600 THEN ${sqlList(DIURNAL)}[1 + hour(ts)] ELSE 1.0 END AS factor,
      row_number() OVER (PARTITION BY c, m ORDER BY ts)::INTEGER AS si
    FROM (
      SELECT cl.c, mo.m, unnest(generate_series(mo.mstart, mo.mnext - INTERVAL 1 HOUR, INTERVAL 1 HOUR)) AS ts, 3600 AS window_seconds
      FROM p_clusters cl, p_months mo WHERE mo.m = ${M - 1}
      UNION ALL
      SELECT cl.c, mo.m, unnest(generate_series(mo.mstart, mo.mnext - INTERVAL 1 DAY, INTERVAL 1 DAY)), 86400
      FROM p_clusters cl, p_months mo WHERE mo.m < ${M - 1})`);
}

// ---------------------------------------------------------------------------
// Line items: views over resources x days, priced in DECIMAL.

async function buildLineItemViews(conn: DuckDBConnection, currency: string): Promise<void> {
  const qty = `round(CASE rs.mode
      WHEN 'fixed' THEN rs.level
      WHEN 'partial' THEN CASE WHEN rs.auto THEN 8 + floor(17 * uu(rs.r, d.di, rs.j, 'hrs')) ELSE rs.level END
      WHEN 'storage' THEN rs.level * (1 + 0.02 * d.m) / d.ndays
      ELSE rs.level * (0.75 + 0.5 * uu(rs.r, d.di, rs.j, 'noise')) * (1 + 0.015 * d.m) * CASE WHEN d.weekend THEN 0.8 ELSE 1 END
    END, 3)`;
  await conn.run(`CREATE VIEW li_src AS
    SELECT 0 AS src, rs.r AS k1, rs.j, rs.provider, d.m, d.day_start, rs.sub_account_id, rs.sub_account_name, rs.region_id, rs.region_name, rs.zone,
      rs.service, rs.category, rs.rtype, rs.resource_id, rs.resource_name, rs.tags, rs.sku_id, rs.sku_price_id, rs.descr, rs.unit, rs.price,
      rs.cup, rs.eff_price, ${qty}::DECIMAL(18,3) AS qty, rs.cover
    FROM res_sku rs JOIN p_days d ON d.m = rs.m
    UNION ALL
    SELECT 1, n.c * 1000000 + n.n, cs.j, cl.provider, d.m, d.day_start, cl.acct, cl.acct_name, cl.region_id, cl.region_name, n.zone,
      cs.service, cs.category, cs.rtype, n.resource_id, n.name, cl.node_tags, cs.sku_id, cs.sku_price_id, cs.descr, cs.unit, cs.price,
      ${unitPrices('cs.price', "CASE WHEN cs.commit = 'sp' AND n.cover_sp THEN 'sp' END")},
      cs.qty, CASE WHEN cs.commit = 'sp' AND n.cover_sp THEN 'sp' END
    FROM nodes n JOIN p_days d ON d.m = n.m JOIN p_clusters cl ON cl.c = n.c JOIN p_cluster_skus cs ON cs.c = n.c
    JOIN p_providers pv ON pv.provider = cl.provider
    UNION ALL
    SELECT 2, cl.c, 0, cl.provider, d.m, d.day_start, cl.acct, cl.acct_name, cl.region_id, cl.region_name, NULL,
      CASE WHEN cl.provider = 'AWS' THEN 'Amazon Elastic Kubernetes Service' ELSE 'Kubernetes Engine' END, 'Compute', 'cluster',
      cl.fee_rid, cl.cluster_id, cl.fee_tags,
      CASE WHEN cl.provider = 'AWS' THEN 'AmazonEKS-Hours:perCluster' ELSE 'B561-BFBD-1264' END,
      CASE WHEN cl.provider = 'AWS' THEN 'AmazonEKS-Hours:perCluster.JRTCKXETXF.6YS6EN2CT7' ELSE 'B561-BFBD-1264' END,
      CASE WHEN cl.provider = 'AWS' THEN '$0.10 per hour per Amazon EKS cluster' ELSE 'Regional Kubernetes Clusters' END,
      'Hours', 0.10::DECIMAL(18,10), ${unitPrices('0.10::DECIMAL(18,10)', 'NULL')}, 24::DECIMAL(18,3), NULL
    FROM p_clusters cl JOIN p_providers pv ON pv.provider = cl.provider, p_days d`);

  // Costs: list, contracted (negotiated), billed (0 when a commitment covers it), effective (amortised).
  await conn.run(`CREATE VIEW li_cost AS
    SELECT s.*, pv.bill_id, pv.bill_name, pv.issuer, pv.publisher,
      (s.qty * s.price)::DECIMAL(38,10) AS list_cost,
      (s.qty * s.cup)::DECIMAL(38,10) AS contracted_cost,
      CASE WHEN s.cover IS NULL THEN contracted_cost ELSE 0 END::DECIMAL(38,10) AS billed,
      (s.qty * s.eff_price)::DECIMAL(38,10) AS effective
    FROM li_src s JOIN p_providers pv USING (provider)`);

  await conn.run(`CREATE VIEW li_focus AS SELECT
  ${focusSelect({
    AvailabilityZone: 'c.zone',
    BilledCost: 'c.billed',
    BillingAccountId: 'c.bill_id',
    BillingAccountName: 'c.bill_name',
    BillingCurrency: lit(currency),
    BillingPeriodEnd: 'mo.mnext',
    BillingPeriodStart: 'mo.mstart',
    ChargeCategory: "'Usage'",
    ChargeDescription: 'c.descr',
    ChargeFrequency: "'Usage-Based'",
    ChargePeriodEnd: 'c.day_start + INTERVAL 1 DAY',
    ChargePeriodStart: 'c.day_start',
    CommitmentDiscountCategory: "CASE c.cover WHEN 'sp' THEN 'Spend' WHEN 'ri' THEN 'Usage' END",
    CommitmentDiscountId: 'CASE c.cover WHEN \'sp\' THEN k.sp_id WHEN \'ri\' THEN k.ri_id END',
    CommitmentDiscountName: "CASE c.cover WHEN 'sp' THEN 'Compute Savings Plan (1 year, No Upfront)' WHEN 'ri' THEN 'RDS db.r6g.xlarge reservation (1 year, All Upfront)' END",
    CommitmentDiscountStatus: "CASE WHEN c.cover IS NOT NULL THEN 'Used' END",
    CommitmentDiscountType: "CASE c.cover WHEN 'sp' THEN 'Savings Plan' WHEN 'ri' THEN 'Reserved Instance' END",
    ConsumedQuantity: 'c.qty',
    ConsumedUnit: 'c.unit',
    ContractedCost: 'c.contracted_cost',
    ContractedUnitPrice: 'c.cup',
    EffectiveCost: 'c.effective',
    InvoiceIssuerName: 'c.issuer',
    ListCost: 'c.list_cost',
    ListUnitPrice: 'c.price',
    PricingCategory: "CASE WHEN c.cover IS NOT NULL THEN 'Committed' ELSE 'Standard' END",
    PricingQuantity: 'c.qty',
    PricingUnit: 'c.unit',
    ProviderName: 'c.provider',
    PublisherName: 'c.publisher',
    RegionId: 'c.region_id',
    RegionName: 'c.region_name',
    ResourceId: 'c.resource_id',
    ResourceName: 'c.resource_name',
    ResourceType: 'c.rtype',
    ServiceCategory: 'c.category',
    ServiceName: 'c.service',
    SkuId: 'c.sku_id',
    SkuPriceId: 'c.sku_price_id',
    SubAccountId: 'c.sub_account_id',
    SubAccountName: 'c.sub_account_name',
    Tags: 'c.tags',
  }, { _m: 'c.m', _src: 'c.src', _k1: 'c.k1', _j: 'c.j' })}
  FROM li_cost c JOIN p_months mo USING (m) CROSS JOIN p_commit k`);
}

// ---------------------------------------------------------------------------
// Commitment fees, unused commitment, the RDS reservation purchase, credits, tax.

async function buildExtras(conn: DuckDBConnection, org: Org, currency: string): Promise<void> {
  // One pass over all line items: what the fees, credits and taxes are computed from.
  await conn.run(`CREATE TABLE agg AS
    SELECT provider, sub_account_id, m, day_start, count(*) AS n, sum(billed) AS billed, sum(effective) AS effective, sum(list_cost) AS list,
      sum(CASE WHEN cover = 'sp' THEN effective ELSE 0 END) AS sp_used
    FROM li_cost GROUP BY ALL`);

  const common = (provider: string) => ({
    BillingAccountId: `(SELECT bill_id FROM p_providers WHERE provider = ${lit(provider)})`,
    BillingAccountName: `(SELECT bill_name FROM p_providers WHERE provider = ${lit(provider)})`,
    BillingCurrency: lit(currency),
    BillingPeriodEnd: 'mo.mnext',
    BillingPeriodStart: 'mo.mstart',
    InvoiceIssuerName: `(SELECT issuer FROM p_providers WHERE provider = ${lit(provider)})`,
    PublisherName: `(SELECT publisher FROM p_providers WHERE provider = ${lit(provider)})`,
    ProviderName: lit(provider),
  });
  const sp = {
    ...common('AWS'),
    CommitmentDiscountCategory: "'Spend'",
    CommitmentDiscountId: 'k.sp_id',
    CommitmentDiscountName: "'Compute Savings Plan (1 year, No Upfront)'",
    CommitmentDiscountType: "'Savings Plan'",
    ServiceName: "'Savings Plans for AWS Compute usage'",
    ServiceCategory: "'Compute'",
    ResourceId: 'k.sp_id',
    ResourceType: "'savingsplan'",
    SubAccountId: 'k.owner_acct',
    SubAccountName: 'k.owner_name',
    ChargePeriodStart: 'd.day_start',
    ChargePeriodEnd: 'd.day_start + INTERVAL 1 DAY',
  };

  // The Savings Plan's hourly commitment, set each month just above the busiest day.
  await conn.run(`CREATE TABLE sp_month AS
    SELECT m, (ceil(max(used)::DOUBLE / 24 / 0.97 * 100) / 100)::DECIMAL(38,10) AS hourly
    FROM (SELECT m, day_start, sum(sp_used) AS used FROM agg WHERE provider = 'AWS' GROUP BY ALL)
    GROUP BY m HAVING max(used) > 0`);
  await conn.run(`CREATE TABLE li_extra AS SELECT
  ${focusSelect({
    ...sp,
    BilledCost: 'sm.hourly * 24',
    ChargeCategory: "'Purchase'",
    ChargeDescription: "'Savings Plan recurring fee: 1 year No Upfront Compute Savings Plan, ' || sm.hourly::DECIMAL(18,2) || ' ' || " + lit(currency) + " || ' per hour'",
    ChargeFrequency: "'Recurring'",
    ContractedCost: 'sm.hourly * 24',
    ContractedUnitPrice: 'sm.hourly',
    EffectiveCost: '0',
    ListCost: 'sm.hourly * 24',
    ListUnitPrice: 'sm.hourly',
    PricingCategory: "'Standard'",
    PricingQuantity: '24',
    PricingUnit: "'Hours'",
    SkuId: "'ComputeSP:1yrNoUpfront'",
  }, { _m: 'd.m', _src: '10', _k1: 'k.owner_a', _j: '0' })}
  FROM sp_month sm JOIN p_days d USING (m) JOIN p_months mo USING (m) CROSS JOIN p_commit k`);

  // Unused commitment: the part of each day's fee no usage consumed (EffectiveCost only).
  await conn.run(`INSERT INTO li_extra SELECT
  ${focusSelect({
    ...sp,
    BilledCost: '0',
    ChargeCategory: "'Usage'",
    ChargeDescription: "'Unused Savings Plan commitment'",
    ChargeFrequency: "'Usage-Based'",
    CommitmentDiscountStatus: "'Unused'",
    ContractedCost: '0',
    EffectiveCost: 'sm.hourly * 24 - coalesce(u.used, 0)',
    ListCost: '0',
    PricingCategory: "'Committed'",
    SkuId: "'ComputeSP:1yrNoUpfront'",
  }, { _m: 'd.m', _src: '11', _k1: 'k.owner_a', _j: '0' })}
  FROM sp_month sm JOIN p_days d USING (m) JOIN p_months mo USING (m) CROSS JOIN p_commit k
  LEFT JOIN (SELECT day_start, sum(sp_used) AS used FROM agg WHERE provider = 'AWS' GROUP BY ALL) u ON u.day_start = d.day_start
  WHERE sm.hourly * 24 - coalesce(u.used, 0) > 0`);

  // The RDS reservation: bought all-upfront on the first day of the history.
  await conn.run(`INSERT INTO li_extra SELECT
  ${focusSelect({
    ...common('AWS'),
    BilledCost: 'ri.upfront',
    ChargeCategory: "'Purchase'",
    ChargeDescription: "'RDS reserved instances: ' || ri.n || ' x db.r6g.xlarge PostgreSQL in eu-west-1, 1 year All Upfront'",
    ChargeFrequency: "'One-Time'",
    ChargePeriodStart: 'mo.mstart',
    ChargePeriodEnd: 'mo.mstart + INTERVAL 1 DAY',
    CommitmentDiscountCategory: "'Usage'",
    CommitmentDiscountId: 'k.ri_id',
    CommitmentDiscountName: "'RDS db.r6g.xlarge reservation (1 year, All Upfront)'",
    CommitmentDiscountType: "'Reserved Instance'",
    ContractedCost: 'ri.upfront',
    ContractedUnitPrice: 'ri.unit_price',
    EffectiveCost: '0',
    ListCost: 'ri.upfront',
    ListUnitPrice: 'ri.unit_price',
    PricingCategory: "'Standard'",
    PricingQuantity: 'ri.n',
    PricingUnit: "'Reservations'",
    RegionId: "'eu-west-1'",
    RegionName: "'Europe (Ireland)'",
    ResourceId: 'k.ri_id',
    ResourceType: "'reserved-instance'",
    ServiceCategory: "'Databases'",
    ServiceName: "'Amazon Relational Database Service'",
    SkuId: "'RDS:RI-AllUpfront'",
    SubAccountId: 'k.owner_acct',
    SubAccountName: 'k.owner_name',
  }, { _m: '0', _src: '12', _k1: 'k.owner_a', _j: '0' })}
  FROM (SELECT count(*) AS n, any_value(price * ${RI_RATE} * 8760) AS unit_price, sum(price * ${RI_RATE} * 8760) AS upfront
        FROM res_sku WHERE cover = 'ri' AND m = 0 HAVING count(*) > 0) ri
  CROSS JOIN p_commit k JOIN p_months mo ON mo.m = 0`);

  // A monthly migration credit on one team's account (negative Billed and Effective).
  if (org.creditAccount) {
    await conn.run(`INSERT INTO li_extra SELECT
    ${focusSelect({
      ...common('AWS'),
      BilledCost: 'cr.amount',
      ChargeCategory: "'Credit'",
      ChargeDescription: "'AWS Migration Acceleration Program credit'",
      ChargeFrequency: "'One-Time'",
      ChargePeriodStart: 'mo.mstart',
      ChargePeriodEnd: 'mo.mnext',
      ContractedCost: 'cr.amount',
      EffectiveCost: 'cr.amount',
      ListCost: 'cr.amount',
      PricingCategory: "'Other'",
      ServiceCategory: "'Compute'",
      ServiceName: "'Amazon Elastic Compute Cloud'",
      SubAccountId: 'a.sub_account_id',
      SubAccountName: 'a.sub_account_name',
    }, { _m: 'cr.m', _src: '13', _k1: 'a.a', _j: '0' })}
    FROM (SELECT m, -round(sum(billed) * ${CREDIT_RATE}, 2) AS amount FROM agg
          WHERE provider = 'AWS' AND sub_account_id = (SELECT credit_acct FROM p_commit) GROUP BY m HAVING sum(billed) > 0) cr
    JOIN p_months mo USING (m) JOIN p_accounts a ON a.sub_account_id = (SELECT credit_acct FROM p_commit)`);
  }

  // Sales tax on each account's month, after fees and credits.
  for (const provider of ['AWS', 'Google Cloud'] as const) {
    await conn.run(`INSERT INTO li_extra SELECT
    ${focusSelect({
      ...common(provider),
      BilledCost: 'tx.amount',
      ChargeCategory: "'Tax'",
      ChargeDescription: `'Sales tax (' || ${lit(String(Number(TAX_RATE) * 100))} || '%)'`,
      ChargeFrequency: "'Recurring'",
      ChargePeriodStart: 'mo.mstart',
      ChargePeriodEnd: 'mo.mnext',
      ContractedCost: 'tx.amount',
      EffectiveCost: 'tx.amount',
      ListCost: 'tx.amount',
      ServiceCategory: "'Other'",
      ServiceName: provider === 'AWS' ? "'Tax'" : "'Invoice'",
      SkuId: provider === 'AWS' ? 'NULL' : "'Tax'",
      SubAccountId: 'a.sub_account_id',
      SubAccountName: 'a.sub_account_name',
    }, { _m: 'tx.m', _src: '14', _k1: 'a.a', _j: '0' })}
    FROM (SELECT sub_account_id, m, round(sum(billed) * ${TAX_RATE}, 2) AS amount FROM (
            SELECT sub_account_id, m, billed FROM agg WHERE provider = ${lit(provider)}
            UNION ALL SELECT SubAccountId, _m, BilledCost FROM li_extra WHERE ProviderName = ${lit(provider)})
          GROUP BY ALL HAVING sum(billed) > 0) tx
    JOIN p_months mo USING (m) JOIN p_accounts a ON a.sub_account_id = tx.sub_account_id AND a.provider = ${lit(provider)}`);
  }
}

/** SQL literals for the columns every row of a provider-month file shares. */
async function fileConstants(conn: DuckDBConnection, provider: string, m: number, currency: string): Promise<Partial<Record<FocusColumn, string>>> {
  const r = (await all(conn, `SELECT bill_id, bill_name, issuer, publisher, strftime(mstart, '%Y-%m-%d %H:%M:%S') AS s, strftime(mnext, '%Y-%m-%d %H:%M:%S') AS e
    FROM p_providers, p_months WHERE provider = ${lit(provider)} AND m = ${m}`))[0]!;
  return {
    BillingAccountId: lit(r.bill_id), BillingAccountName: lit(r.bill_name), BillingCurrency: lit(currency),
    BillingPeriodEnd: `TIMESTAMP ${lit(r.e)}`, BillingPeriodStart: `TIMESTAMP ${lit(r.s)}`,
    InvoiceIssuerName: lit(r.issuer), ProviderName: lit(provider), PublisherName: lit(r.publisher),
  };
}

/** [from, to) day ranges of one provider-month holding about ROWS_PER_SORT line items each. */
async function dayChunks(conn: DuckDBConnection, provider: string, m: number): Promise<[string, string][]> {
  const days = (await all(conn, `
    SELECT strftime(d.day_start, '%Y-%m-%d') AS day, coalesce(sum(a.n), 0)::BIGINT::VARCHAR AS n
    FROM p_days d LEFT JOIN agg a ON a.day_start = d.day_start AND a.provider = ${lit(provider)}
    WHERE d.m = ${m} GROUP BY ALL ORDER BY day`)) as { day: string; n: string }[];
  const next = (await all(conn, `SELECT strftime(mnext, '%Y-%m-%d') AS d FROM p_months WHERE m = ${m}`))[0]!.d as string;
  const chunks: [string, string][] = [];
  let start = days[0]!.day;
  let rows = 0;
  days.forEach((d, i) => {
    rows += Number(d.n);
    const end = days[i + 1]?.day ?? next;
    if (rows >= ROWS_PER_SORT || end === next) {
      chunks.push([start, end]);
      start = end;
      rows = 0;
    }
  });
  return chunks;
}

// ---------------------------------------------------------------------------
// Snapshots: one JSON object per (cluster, ts), as the contract's snapshot format.

async function writeSnapshots(conn: DuckDBConnection, dir: string, tmp: string, periods: string[]): Promise<string[]> {
  // Lines are assembled as text and written raw (CSV writer, no quoting, a delimiter
  // that never occurs): COPY (FORMAT json) would re-parse every pod object.
  await conn.run(`CREATE TABLE nodes_json AS
    SELECT c, m, '[' || string_agg(json_object('name', name, 'provider_id', provider_id, 'instance_type', itype,
        'cpu_capacity_cores', cores, 'memory_capacity_bytes', mem_bytes, 'labels', labels)::VARCHAR, ',' ORDER BY name) || ']' AS nodes
    FROM nodes GROUP BY c, m`);
  await conn.run(`CREATE TABLE ns_json AS
    SELECT c, '[' || string_agg(json_object('name', name, 'labels', labels::JSON)::VARCHAR, ',' ORDER BY name) || ']' AS namespaces
    FROM p_ns GROUP BY c`);

  const clusters = (await all(conn, 'SELECT c, cluster_id FROM p_clusters ORDER BY c')) as { c: number; cluster_id: string }[];
  const files: string[] = [];
  for (const { c, cluster_id } of clusters) {
    for (const [m, p] of periods.entries()) {
      const stats = (await all(conn, `SELECT (SELECT count(*) FROM pods WHERE c = ${c} AND m = ${m})::INTEGER AS pods,
        (SELECT max(si) FROM snaps WHERE c = ${c} AND m = ${m})::INTEGER AS snaps`))[0] as { pods: number; snaps: number };
      const per = Math.max(1, Math.floor(SAMPLES_PER_CHUNK / Math.max(1, stats.pods)));
      const file = join(dir, `k8s-${cluster_id}-${p}.jsonl`);
      const parts: string[] = [];
      for (let lo = 1; lo <= stats.snaps; lo += per) {
        const part = join(tmp, `k8s-${cluster_id}-${p}.part${parts.length}.jsonl`);
        await conn.run(`COPY (
          SELECT '{"cluster":' || to_json(${lit(cluster_id)}) || ',"ts":"' || strftime(s.ts, '${TIMESTAMP_FORMAT}') || '","window_seconds":' || s.window_seconds
            || ',"nodes":' || nj.nodes || ',"namespaces":' || nsj.namespaces || ',"pods":[' || s.pods || ']}' AS line
          FROM (
            SELECT s.ts, s.window_seconds, string_agg(${podJson()}::VARCHAR, ',' ORDER BY p.pod_name, p.p) AS pods
            FROM snaps s JOIN pods p ON p.c = s.c AND p.m = s.m
            WHERE s.c = ${c} AND s.m = ${m} AND s.si >= ${lo} AND s.si < ${lo + per}
            GROUP BY s.ts, s.window_seconds
          ) s, nodes_json nj, ns_json nsj
          WHERE nj.c = ${c} AND nj.m = ${m} AND nsj.c = ${c}
          ORDER BY s.ts
        ) TO ${lit(part)} (FORMAT csv, HEADER false, QUOTE '', ESCAPE '', DELIMITER '\x1f')`);
        parts.push(part);
      }
      await concat(parts, file);
      files.push(file);
    }
  }
  return files;
}

/** A pod sample; usage keys are absent (not null) when metrics are missing. */
function podJson(): string {
  const k = 'p.c * 100 + p.m';
  const cpuUse = `greatest(0.001, round(p.cpu_req * p.util_cpu * s.factor * (0.85 + 0.3 * uu(${k}, p.p, s.si, 'cpu')), 3))`;
  const memUse = `(p.mem_req * p.util_mem * (0.93 + 0.14 * uu(${k}, p.p, s.si, 'mem')) / 4096)::BIGINT * 4096`;
  const gap = `hh(${k}, p.p, s.si, 'gap') % 1000 < 5`; // an occasional scrape gap
  const head = "'namespace', p.ns, 'name', p.pod_name, 'node', p.node, 'cpu_request_cores', p.cpu_req::DOUBLE";
  return `CASE
      WHEN p.miss = 'all' OR ${gap} THEN json_object(${head}, 'memory_request_bytes', p.mem_req)
      WHEN p.miss = 'mem' THEN json_object(${head}, 'cpu_usage_cores', ${cpuUse}, 'memory_request_bytes', p.mem_req)
      ELSE json_object(${head}, 'cpu_usage_cores', ${cpuUse}, 'memory_request_bytes', p.mem_req, 'memory_usage_bytes', ${memUse})
    END`;
}

async function concat(parts: string[], file: string): Promise<void> {
  writeFileSync(file, '');
  for (const part of parts) {
    await pipeline(createReadStream(part), createWriteStream(file, { flags: 'a' }));
    rmSync(part);
  }
}

// ---------------------------------------------------------------------------
// The totals of every row written: usage aggregated in one pass, plus the extras.
// (Tests read the files back with declared types and compare them to these.)

async function computeTotals(conn: DuckDBConnection): Promise<ExpectedTotal[]> {
  const rows = await all(conn, `
    SELECT mo.period, (SELECT currency FROM p_currency) AS currency, sum(n)::INTEGER AS "lineItems",
      sum(billed)::DECIMAL(38,10)::VARCHAR AS "BilledCost", sum(effective)::DECIMAL(38,10)::VARCHAR AS "EffectiveCost",
      sum(list)::DECIMAL(38,10)::VARCHAR AS "ListCost"
    FROM (SELECT m, n, billed, effective, list FROM agg
          UNION ALL SELECT _m, 1, BilledCost, EffectiveCost, ListCost FROM li_extra) t
    JOIN p_months mo USING (m) GROUP BY ALL ORDER BY mo.period`);
  return rows as unknown as ExpectedTotal[];
}

// ---------------------------------------------------------------------------

async function all(conn: DuckDBConnection, sql: string): Promise<Record<string, unknown>[]> {
  const reader = await conn.runAndReadAll(sql);
  return reader.getRowObjectsJson() as Record<string, unknown>[];
}

async function table(conn: DuckDBConnection, name: string, cols: string, rows: unknown[][]): Promise<void> {
  await conn.run(`CREATE TABLE ${name} (${cols})`);
  // Batches keep statements a reasonable size for the 300-team bench org.
  for (let i = 0; i < rows.length; i += 500) {
    const values = rows.slice(i, i + 500).map((r) => `(${r.map(lit).join(', ')})`).join(',\n');
    await conn.run(`INSERT INTO ${name} VALUES ${values}`);
  }
}

/** A SQL literal for a small model value (strings quoted, lists as LIST literals). */
function lit(v: unknown): string {
  if (v === null || v === undefined) return 'NULL';
  if (typeof v === 'boolean') return v ? 'TRUE' : 'FALSE';
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error(`not a finite number: ${v}`);
    return String(v);
  }
  if (Array.isArray(v)) return `[${v.map(lit).join(', ')}]::VARCHAR[]`;
  return `'${String(v).replace(/'/g, "''")}'`;
}

function sqlList(xs: number[]): string {
  return `([${xs.join(", ")}]::DOUBLE[])`;
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

