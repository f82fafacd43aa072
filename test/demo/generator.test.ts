import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.ts';
import {
  BENCH_SIZE,
  DEMO_SIZE,
  demoConfigYaml,
  FOCUS_COLUMNS,
  focusCsvColumnsSql,
  generateOrg,
  TIMESTAMP_FORMAT,
  type GeneratedOrg,
  type OrgSize,
} from '../../src/demo/generator.ts';

const SMALL: OrgSize = { ...DEMO_SIZE, lineItems: 3000, months: 2, podsPerCluster: 12 };
const dirs: string[] = [];
const tmp = (tag: string) => {
  const d = mkdtempSync(join(tmpdir(), `allot-demo-${tag}-`));
  dirs.push(d);
  return d;
};
const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
const sqlList = (files: string[]) => `[${files.map((f) => `'${f.replace(/'/g, "''")}'`).join(', ')}]`;

let db: DuckDBInstance;
let conn: DuckDBConnection;
const rows = async <T = Record<string, unknown>>(sql: string): Promise<T[]> =>
  (await conn.runAndReadAll(sql)).getRowObjectsJson() as unknown as T[];

let org: GeneratedOrg;

beforeAll(async () => {
  db = await DuckDBInstance.create(':memory:', { threads: '2' });
  conn = await db.connect();
  await conn.run("SET TimeZone = 'UTC'");
  org = await generateOrg(tmp('csv'), { seed: 7, period: '2026-10', size: DEMO_SIZE, format: 'csv' });
  const csv = `read_csv(${sqlList(org.focusFiles)}, header = true, columns = ${focusCsvColumnsSql()}, timestampformat = '${TIMESTAMP_FORMAT}')`;
  await conn.run(`CREATE TABLE f AS SELECT * FROM ${csv}`);
});

afterAll(() => {
  conn?.closeSync();
  db?.closeSync();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('demo organisation (csv)', () => {
  it('writes a config that parses and matches the data', async () => {
    const { config } = parseConfig(org.configYaml, 'demo.yaml', {});
    expect(config.teams).toHaveLength(15);
    expect(config.teams.filter((t) => !t.receives_shared).map((t) => t.id)).toEqual(['research']);
    expect(new Set(config.teams.map((t) => t.mode))).toEqual(new Set(['chargeback', 'showback']));
    expect(config.teams.find((t) => t.id === 'payments')).toMatchObject({ aliases: ['pay'], emails: ['payments-leads@example.com'] });
    expect(config.team_tag_keys).toEqual(['team', 'owner']);
    expect(config.shared_pools.map((p) => p.id)).toEqual(['platform', 'security']);
    expect(config.clusters.map((c) => c.id)).toEqual(['prod-eu', 'prod-us']);
    for (const c of config.clusters) {
      expect(c).toMatchObject({ system_namespaces: ['kube-system', 'monitoring'], system_pool: 'platform', idle: 'proportional' });
    }
    expect(config.rules.some((r) => r.match.charge_category === 'Tax' && r.shared === 'platform')).toBe(true);
    expect(config.rules.some((r) => r.match.sub_account_id === '999999999999' && r.shared === 'platform')).toBe(true);
    expect(readFileSync(org.configFile, 'utf8')).toBe(org.configYaml);

    // Every owned account appears in the bill.
    const accounts = new Set((await rows<{ a: string }>('SELECT DISTINCT SubAccountId AS a FROM f')).map((r) => r.a));
    for (const t of config.teams) for (const a of t.accounts) expect(accounts).toContain(a);
  });

  it('writes one FOCUS file per provider and month, and snapshots per cluster and month', () => {
    expect(org.periods).toEqual(['2026-05', '2026-06', '2026-07', '2026-08', '2026-09', '2026-10']);
    expect(org.focusFiles.map((f) => basename(f))).toContain('focus-aws-2026-10.csv');
    expect(org.focusFiles.map((f) => basename(f))).toContain('focus-gcp-2026-05.csv');
    expect(org.focusFiles).toHaveLength(12);
    expect(org.snapshotFiles).toHaveLength(12);
    for (const f of [...org.focusFiles, ...org.snapshotFiles]) expect(existsSync(f)).toBe(true);
    // No scratch files left behind.
    expect(readdirSync(join(org.focusFiles[0]!, '..')).filter((n) => n.startsWith('.'))).toEqual([]);
    const header = readFileSync(org.focusFiles[0]!, 'utf8').split('\n')[0];
    expect(header).toBe(FOCUS_COLUMNS.map(([n]) => n).join(','));
  });

  it('reports totals that equal the files read back with declared types', async () => {
    const got = await rows(`
      SELECT strftime(ChargePeriodStart, '%Y-%m') AS period, BillingCurrency AS currency, count(*)::INTEGER AS "lineItems",
        sum(BilledCost)::VARCHAR AS "BilledCost", sum(EffectiveCost)::VARCHAR AS "EffectiveCost", sum(ListCost)::VARCHAR AS "ListCost"
      FROM f GROUP BY ALL ORDER BY period, currency`);
    expect(got).toEqual(org.expected.totals);
    expect(org.expected.totals).toHaveLength(6);
    for (const t of org.expected.totals) {
      expect(t.currency).toBe('USD');
      expect(t.lineItems).toBeGreaterThan(15_000);
      expect(t.lineItems).toBeLessThan(45_000);
      expect(t.BilledCost).toMatch(/^\d+\.\d{10}$/);
      expect(t.EffectiveCost).not.toBe(t.BilledCost); // amortisation moves cost between months
    }
    // Money is written as plain decimals, never in exponent form.
    const text = readFileSync(org.focusFiles[0]!, 'utf8');
    expect(text).not.toMatch(/,-?\d+(\.\d+)?e[-+]?\d+,/i);
  });

  it('has a mild trend and a visible jump', async () => {
    const [first, , , , , last] = org.expected.totals.map((t) => Number(t.EffectiveCost)); // a plausibility check only
    expect(last!).toBeGreaterThan(first!);
    const ml = await rows<{ p: string; c: string }>(`
      SELECT strftime(ChargePeriodStart, '%Y-%m') AS p, sum(EffectiveCost)::DOUBLE::VARCHAR AS c FROM f
      WHERE SubAccountId = 'acme-ml-training' GROUP BY p ORDER BY p`);
    expect(Number(ml[5]!.c)).toBeGreaterThan(1.3 * Number(ml[4]!.c));
  });

  it('contains every tagging quirk the rules must handle', async () => {
    const count = async (where: string) => Number((await rows<{ n: string }>(`SELECT count(*) AS n FROM f WHERE ${where}`))[0]!.n);
    const team = "json_extract_string(Tags, '$.team')";
    expect(await count(`${team} IN ('pay', 'recs', 'auth', 'data', 'ml', 'frontend', 'risk', 'support')`)).toBeGreaterThan(0); // alias
    expect(await count(`${team} <> lower(${team}) AND lower(${team}) IN ('payments', 'search', 'checkout', 'catalog')`)).toBeGreaterThan(0); // case
    expect(await count(`json_extract_string(Tags, '$.owner') IS NOT NULL AND ${team} IS NULL`)).toBeGreaterThan(0); // owner key
    expect(await count(`${team} = 'legacy-data'`)).toBeGreaterThan(0); // names no team
    expect(await count(`Tags IS NULL AND SubAccountId = '111111111111'`)).toBeGreaterThan(0); // owned account
    expect(await count(`Tags IS NULL AND SubAccountId IN ('444444444444', 'acme-analytics') AND ChargeCategory = 'Usage'`)).toBeGreaterThan(0); // no owner
    expect(await count(`SubAccountId = '999999999999'`)).toBeGreaterThan(0); // platform account
    expect(await count(`SubAccountId = '555555555555'`)).toBeGreaterThan(0); // security account
  });

  it('contains commitments, a credit and tax', async () => {
    const count = async (where: string) => Number((await rows<{ n: string }>(`SELECT count(*) AS n FROM f WHERE ${where}`))[0]!.n);
    expect(await count(`CommitmentDiscountStatus = 'Used' AND BilledCost = 0 AND EffectiveCost > 0 AND CommitmentDiscountType = 'Savings Plan'`)).toBeGreaterThan(0);
    expect(await count(`CommitmentDiscountStatus = 'Used' AND BilledCost = 0 AND EffectiveCost > 0 AND CommitmentDiscountType = 'Reserved Instance'`)).toBeGreaterThan(0);
    expect(await count(`CommitmentDiscountStatus = 'Unused' AND BilledCost = 0 AND EffectiveCost > 0`)).toBeGreaterThan(0);
    expect(await count(`ChargeCategory = 'Purchase' AND BilledCost > 0 AND EffectiveCost = 0 AND ChargeFrequency = 'Recurring'`)).toBeGreaterThan(0);
    expect(await count(`ChargeCategory = 'Purchase' AND ChargeFrequency = 'One-Time' AND BilledCost > 0`)).toBe(1);
    expect(await count(`ChargeCategory = 'Credit' AND BilledCost < 0 AND EffectiveCost < 0`)).toBe(6);
    expect(await count(`ChargeCategory = 'Tax' AND BilledCost > 0`)).toBeGreaterThan(6);
    // Each month the Savings Plan's fee equals what its usage and its unused part amortise.
    const sp = await rows<{ fee: string; amortised: string }>(`
      SELECT sum(BilledCost) FILTER (WHERE ChargeCategory = 'Purchase')::VARCHAR AS fee,
             sum(EffectiveCost) FILTER (WHERE ChargeCategory = 'Usage')::VARCHAR AS amortised
      FROM f WHERE CommitmentDiscountType = 'Savings Plan' GROUP BY strftime(ChargePeriodStart, '%Y-%m')`);
    expect(sp).toHaveLength(6);
    for (const m of sp) {
      expect(m.fee).not.toBeNull();
      expect(m.fee).toBe(m.amortised);
    }
  });

  it('writes snapshots in the contract format, matching the cluster node line items', async () => {
    const nodeIds = new Set<string>();
    const seen = { missingCpu: 0, missingMem: 0, overRequest: 0, pods: 0 };
    const namespaces = new Map<string, Record<string, string>>();
    for (const file of org.snapshotFiles) {
      const lines = readFileSync(file, 'utf8').split('\n');
      expect(lines.pop()).toBe('');
      const hourly = basename(file).endsWith('2026-10.jsonl');
      expect(lines).toHaveLength(hourly ? 744 : new Date(Date.UTC(2026, Number(basename(file).slice(-8, -6)), 0)).getUTCDate());
      for (const line of lines) {
        const s = JSON.parse(line) as Record<string, unknown>;
        expect(Object.keys(s)).toEqual(['cluster', 'ts', 'window_seconds', 'nodes', 'namespaces', 'pods']);
        expect(s.ts).toMatch(/^2026-\d\d-\d\dT\d\d:00:00Z$/);
        expect(s.window_seconds).toBe(hourly ? 3600 : 86400);
        for (const n of s.nodes as Record<string, unknown>[]) {
          expect(Object.keys(n)).toEqual(['name', 'provider_id', 'instance_type', 'cpu_capacity_cores', 'memory_capacity_bytes', 'labels']);
          nodeIds.add(String(n.provider_id).split('/').pop()!);
        }
        for (const n of s.namespaces as { name: string; labels: Record<string, string> }[]) namespaces.set(`${String(s.cluster)}/${n.name}`, n.labels);
        for (const p of s.pods as Record<string, unknown>[]) {
          seen.pods++;
          expect(Object.keys(p).slice(0, 4)).toEqual(['namespace', 'name', 'node', 'cpu_request_cores']);
          expect(typeof p.memory_request_bytes).toBe('number');
          if (p.cpu_usage_cores === undefined) seen.missingCpu++;
          if (p.memory_usage_bytes === undefined) seen.missingMem++;
          if ((p.cpu_usage_cores as number) > (p.cpu_request_cores as number)) seen.overRequest++;
          expect(p).not.toHaveProperty('cpu_usage_cores', null);
        }
      }
    }
    expect(seen.missingCpu).toBeGreaterThan(0);
    expect(seen.missingMem).toBeGreaterThan(seen.missingCpu);
    expect(seen.overRequest).toBeGreaterThan(0);

    // Namespace quirks: system, alias label, odd case, `owner` label, unlabelled-but-owned, unowned.
    expect(namespaces.get('prod-eu/kube-system')).toEqual({ 'kubernetes.io/metadata.name': 'kube-system' });
    expect(namespaces.get('prod-eu/recs-serving')?.team).toBe('recs');
    expect(namespaces.get('prod-us/ml-inference')?.team).toBe('ML');
    expect(namespaces.get('prod-us/support-tools')?.owner).toBe('support-tools');
    expect(namespaces.get('prod-eu/etl-jobs')?.team).toBeUndefined();
    expect(parseConfig(org.configYaml, 'demo.yaml', {}).config.teams.find((t) => t.id === 'data-platform')?.namespaces).toEqual(['etl-jobs']);
    expect(namespaces.get('prod-eu/sandbox')).toEqual({ 'kubernetes.io/metadata.name': 'sandbox', purpose: 'experiments' });

    // Node instances are billed, tagged with their cluster, under ids that end like the node's provider id.
    const billed = await rows<{ id: string; cluster: string }>(`
      SELECT DISTINCT regexp_extract(ResourceId, '[^/]+$') AS id,
        coalesce(json_extract_string(Tags, '$."eks:cluster-name"'), json_extract_string(Tags, '$."goog-k8s-cluster-name"')) AS cluster
      FROM f WHERE ResourceType = 'instance'
        AND coalesce(json_extract_string(Tags, '$."eks:cluster-name"'), json_extract_string(Tags, '$."goog-k8s-cluster-name"')) IS NOT NULL`);
    expect(billed.length).toBeGreaterThan(0);
    expect(billed.length).toBe(nodeIds.size);
    for (const b of billed) expect(nodeIds).toContain(b.id);
    expect(org.expected.snapshots.find((s) => s.cluster === 'prod-eu' && s.period === '2026-10')).toEqual({ cluster: 'prod-eu', period: '2026-10', snapshots: 744, windowSeconds: 3600 });
  });
});

describe('determinism and parquet', () => {
  it('gives byte-identical files for the same seed, and different ones for another seed', async () => {
    const opts = { seed: 11, period: '2026-02', size: SMALL } as const;
    const [a, b, c] = await Promise.all([
      generateOrg(tmp('a'), { ...opts, format: 'parquet' }),
      generateOrg(tmp('b'), { ...opts, format: 'parquet' }),
      generateOrg(tmp('c'), { ...opts, seed: 12, format: 'parquet' }),
    ]);
    const files = (g: GeneratedOrg) => [...g.focusFiles, ...g.snapshotFiles, g.configFile];
    expect(files(a).map((f) => basename(f))).toEqual(files(b).map((f) => basename(f)));
    expect(files(a).map(sha)).toEqual(files(b).map(sha));
    expect(a.expected).toEqual(b.expected);
    expect(sha(c.focusFiles[0]!)).not.toBe(sha(a.focusFiles[0]!));

    // Parquet keeps money as DECIMAL(38,10), and its totals are exact.
    const types = await rows<{ column_name: string; column_type: string }>(`DESCRIBE SELECT * FROM read_parquet('${a.focusFiles[0]}')`);
    const type = (n: string) => types.find((t) => t.column_name === n)?.column_type;
    for (const n of ['BilledCost', 'EffectiveCost', 'ListCost', 'ContractedCost', 'ListUnitPrice', 'PricingQuantity']) expect(type(n)).toBe('DECIMAL(38,10)');
    expect(type('ChargePeriodStart')).toBe('TIMESTAMP WITH TIME ZONE');
    const got = await rows(`
      SELECT strftime(ChargePeriodStart, '%Y-%m') AS period, BillingCurrency AS currency, count(*)::INTEGER AS "lineItems",
        sum(BilledCost)::VARCHAR AS "BilledCost", sum(EffectiveCost)::VARCHAR AS "EffectiveCost", sum(ListCost)::VARCHAR AS "ListCost"
      FROM read_parquet(${sqlList(a.focusFiles)}) GROUP BY ALL ORDER BY period`);
    expect(got).toEqual(a.expected.totals);
    expect(a.periods).toEqual(['2026-01', '2026-02']);
  });

  it('same seed in CSV is byte-identical too', async () => {
    const opts = { seed: 3, period: '2027-01', size: { ...SMALL, months: 1 }, format: 'csv' } as const;
    const a = await generateOrg(tmp('d'), opts);
    const b = await generateOrg(tmp('e'), opts);
    expect([...a.focusFiles, ...a.snapshotFiles].map(sha)).toEqual([...b.focusFiles, ...b.snapshotFiles].map(sha));
  });

  it('writes a valid config for other sizes, the bench org included', () => {
    const bench = parseConfig(demoConfigYaml(BENCH_SIZE, { seed: 1, period: '2026-10' }), 'bench.yaml', {}).config;
    expect(bench.teams).toHaveLength(300);
    expect(bench.clusters.map((c) => c.id)).toEqual(['prod-eu', 'prod-us', 'staging-eu']);
    const tiny = parseConfig(demoConfigYaml({ ...SMALL, teams: 1, awsAccounts: 3, gcpProjects: 1, clusters: 1 }, { seed: 1, period: '2026-10' }), 'tiny.yaml', {}).config;
    expect(tiny.teams.map((t) => t.id)).toEqual(['payments']);
  });

  it('rejects a bad period or size', async () => {
    await expect(generateOrg(tmp('x'), { seed: 1, period: '2026-13', size: SMALL, format: 'csv' })).rejects.toThrow(/YYYY-MM/);
    await expect(generateOrg(tmp('y'), { seed: 1, period: '2026-01', size: { ...SMALL, awsAccounts: 1 }, format: 'csv' })).rejects.toThrow(/awsAccounts/);
  });
});
