// `allot export focus`: FOCUS 1.3 rows whose split charges add up to the
// line items they replace and whose teams add up to the chargeback rows.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attribute } from '../../src/allocate/run.ts';
import { exportFocus, focusDaily } from '../../src/export/focus/index.ts';
import { sqlString } from '../../src/store/db.ts';
import { addItems, config, tempStore } from '../allocate/fixture.ts';
import { ingestFocusFiles } from '../../src/ingest/focus/ingest.ts';
import { allot } from '../cli/run.ts';
import { buildOrg, orgYaml, PERIOD, type Org } from '../render/team.fixture.ts';
import { checkFocusParquet } from './focus-check.ts';
import { AllotCostInsightsClient } from '../../src/api/cost-insights-client.ts';
import { startServe } from '../api/serve-process.ts';

const dir = mkdtempSync(join(tmpdir(), 'allot-focus-'));

describe('FOCUS export of hand-built splits', () => {
  let org: Org;
  beforeAll(async () => {
    org = await buildOrg();
  });
  afterAll(() => org.store.close());

  it('replaces each split charge by rows that add up to it, and its teams by their chargeback rows', async () => {
    const file = join(dir, 'org.parquet');
    const r = await exportFocus(org.store, PERIOD, file);
    expect(r).toMatchObject({ period: PERIOD, run_id: org.runs.current, cost_metric: 'EffectiveCost', format: 'parquet', line_items: 14 });
    await checkFocusParquet(org.store, file, org.runs.current, PERIOD);
    // The daily costs (what allot serve reads) are the file's rows summed per day.
    const daily = await focusDaily(org.store, PERIOD);
    expect(daily.rows).toEqual(await org.store.all(
      `SELECT strftime(ChargePeriodStart AT TIME ZONE 'UTC', '%Y-%m-%d') AS day, x_AllotTeam AS team_id, x_AllotChargeType AS charge_type,
              x_AllotService AS service, SubAccountId AS sub_account_id, BillingCurrency AS currency, sum(EffectiveCost)::VARCHAR AS amount
       FROM read_parquet(${sqlString(file)}) GROUP BY ALL ORDER BY ALL`));
    // The Tax line goes to the platform pool and is split among the teams that receive shared cost.
    const tax = await org.store.all<{ m: string; rid: string; team: string }>(
      `SELECT AllocatedMethodId AS m, AllocatedResourceId AS rid, x_AllotTeam AS team FROM read_parquet(${sqlString(file)})
       WHERE ChargeCategory = 'Tax' ORDER BY team`);
    expect(tax.map((t) => t.m)).toEqual(tax.map(() => 'allot/shared-proportional'));
    expect(new Set(tax.map((t) => t.rid))).toEqual(new Set(['pool/platform']));
    // A cluster charge: its namespaces, their idle (no allocated resource), and kube-system through the pool;
    // summed per day on the columns the split leaves, without the nodes' resources and tags.
    const node = await org.store.all<{ m: string; rid: string | null; ctype: string }>(
      `SELECT DISTINCT AllocatedMethodId AS m, AllocatedResourceId AS rid, x_AllotChargeType AS ctype FROM read_parquet(${sqlString(file)})
       WHERE json_extract_string(AllocatedTags, '$."allot/cluster"') = 'prod-eu' ORDER BY ALL`);
    expect(await org.store.one(
      `SELECT count(*) FILTER (WHERE Tags IS NOT NULL OR ResourceId IS NOT NULL OR SkuId IS NOT NULL)::VARCHAR AS n FROM read_parquet(${sqlString(file)})
       WHERE AllocatedMethodId IS NOT NULL`)).toEqual({ n: '0' });
    expect(node).toContainEqual({ m: 'allot/cluster-usage', rid: 'prod-eu/payments-api', ctype: 'kubernetes' });
    expect(node).toContainEqual({ m: 'allot/idle-proportional', rid: null, ctype: 'idle' });
    expect(node).toContainEqual({ m: 'allot/shared-proportional', rid: 'pool/platform', ctype: 'shared' });
    expect(node).toContainEqual({ m: 'allot/cluster-usage', rid: 'prod-eu/payments-legacy', ctype: 'unallocated' });
  });

  it('with idle to the platform pool split by fixed weights, and idle left unallocated with an even pool', async () => {
    const variants = [
      orgYaml().replace('system_pool: platform', 'system_pool: platform\n    idle: platform')
        .replace('{ id: platform, name: Platform overhead }', '{ id: platform, name: Platform overhead, strategy: fixed, weights: { payments: 3, zebra: 1 } }'),
      orgYaml().replace('system_pool: platform', 'system_pool: platform\n    idle: unallocated')
        .replace('{ id: platform, name: Platform overhead }', '{ id: platform, name: Platform overhead, strategy: even }'),
    ];
    for (const [i, yaml] of variants.entries()) {
      const run = await attribute(org.store, config(yaml), PERIOD);
      const file = join(dir, `variant-${i}.parquet`);
      await exportFocus(org.store, PERIOD, file);
      await checkFocusParquet(org.store, file, run.runId, PERIOD);
      const methods = (await org.store.all<{ m: string }>(
        `SELECT DISTINCT AllocatedMethodId AS m FROM read_parquet(${sqlString(file)}) WHERE AllocatedMethodId IS NOT NULL ORDER BY 1`)).map((r) => r.m);
      expect(methods).toEqual(i === 0
        ? ['allot/cluster-usage', 'allot/shared-fixed']
        : ['allot/cluster-usage', 'allot/idle-unallocated', 'allot/shared-even']);
    }
  });

  it('in two currencies, with credits, each split in its own currency', async () => {
    await addItems(org.store, PERIOD, [
      { cost: '333.333333', currency: 'EUR', service: 'Amazon EC2', tags: { 'eks:cluster-name': 'prod-eu' }, day: 4, resource: 'i-eu-1' },
      { cost: '66.666667', currency: 'EUR', service: 'Amazon EC2', tags: { 'eks:cluster-name': 'prod-eu', node: 'b' }, day: 4, resource: 'i-eu-2' },
      { cost: '-12.345678', currency: 'EUR', service: 'Amazon EC2', tags: { 'eks:cluster-name': 'prod-eu' }, day: 5, category: 'Credit' },
      { cost: '7.77', currency: 'EUR', service: 'Tax', category: 'Tax', day: 2 },
      { cost: '50.505', currency: 'EUR', service: 'Amazon S3', tags: { team: 'zebra' }, day: 6 },
    ], 3);
    const run = await attribute(org.store, org.loaded, PERIOD);
    const file = join(dir, 'two-currencies.parquet');
    await exportFocus(org.store, PERIOD, file);
    await checkFocusParquet(org.store, file, run.runId, PERIOD);
    const eur = await org.store.all<{ t: string; n: string }>(
      `SELECT x_AllotChargeType AS t, count(*)::VARCHAR AS n FROM read_parquet(${sqlString(file)}) WHERE BillingCurrency = 'EUR' GROUP BY 1 ORDER BY 1`);
    expect(eur.map((r) => r.t)).toEqual(['direct', 'idle', 'kubernetes', 'shared', 'unallocated']);
    // The cluster's two nodes of the 4th are one split charge: summed on the columns the split leaves.
    expect(await org.store.all(
      `SELECT DISTINCT x_AllotChargeId::VARCHAR AS id, x_AllotLineItems::VARCHAR AS n, ResourceId AS rid, Tags AS tags FROM read_parquet(${sqlString(file)})
       WHERE BillingCurrency = 'EUR' AND ChargeCategory = 'Usage' AND ServiceName = 'Amazon EC2' AND AllocatedMethodId IS NOT NULL AND day(ChargePeriodStart) = 4`))
      .toEqual([{ id: expect.any(String), n: '2', rid: null, tags: null }]);
  });

  it('writes nothing when the lineage does not add up to the chargeback rows', async () => {
    const run = await attribute(org.store, org.loaded, PERIOD);
    const where = `run_id = ${run.runId} AND basis = 'namespace' AND namespace = 'payments-api' AND currency = 'USD'`;
    await org.store.run(`UPDATE allocation_lineage SET amount = amount + 0.01 WHERE ${where}`);
    try {
      const file = join(dir, 'tampered.parquet');
      await expect(exportFocus(org.store, PERIOD, file)).rejects.toThrow(
        `the lineage of run #${run.runId} does not add up for cluster prod-eu (USD): its charges are 1000.000000000000, its lineage gives away 1000.010000000000; nothing was written`);
      expect(existsSync(file)).toBe(false);
    } finally {
      await org.store.run(`UPDATE allocation_lineage SET amount = amount - 0.01 WHERE ${where}`);
    }
  });

  it('writes CSV with the same rows, instants in ISO 8601 UTC, and refuses another extension', async () => {
    const parquet = join(dir, 'org.parquet');
    const csv = join(dir, 'org.csv');
    await exportFocus(org.store, PERIOD, parquet);
    await exportFocus(org.store, PERIOD, csv);
    const text = readFileSync(csv, 'utf8');
    expect(text.split('\n')[0]).toMatch(/^AllocatedMethodId,AllocatedMethodDetails,AllocatedResourceId,AllocatedResourceName,AllocatedTags,/);
    expect(text).toMatch(/,2026-10-01T00:00:00Z,/);
    const sums = await org.store.all<{ f: string; n: string; cost: string }>(
      `SELECT 'csv' AS f, count(*)::VARCHAR AS n, sum(EffectiveCost::DECIMAL(38,12))::VARCHAR AS cost FROM read_csv(${sqlString(csv)}, all_varchar = true)
       UNION ALL SELECT 'parquet', count(*)::VARCHAR, sum(EffectiveCost)::VARCHAR FROM read_parquet(${sqlString(parquet)}) ORDER BY 1`);
    const { f: _f, ...inFile } = sums[1]!;
    expect(sums[0]).toMatchObject({ n: sums[1]!.n, cost: sums[1]!.cost });
    await expect(exportFocus(org.store, PERIOD, join(dir, 'x.json'))).rejects.toThrow('must end in .parquet or .csv');
    // Allot's own FOCUS reader takes both files back, cent for cent.
    for (const f of [parquet, csv]) {
      const back = await tempStore();
      try {
        await ingestFocusFiles(back, [f]);
        expect((await back.one<{ n: string; cost: string }>('SELECT count(*)::VARCHAR AS n, sum(effective_cost)::VARCHAR AS cost FROM line_items')), f)
          .toEqual(inFile);
      } finally {
        back.close();
      }
    }
  });
});

describe('the demo', () => {
  it('FOCUS export passes every check, from the CLI; allot serve answers the Cost Insights client from its store', async () => {
    let octoberByTeam: { team_id: string; amount: string }[] = [];
    const out = join(dir, 'demo');
    const { runDemo } = await import('../../src/demo/run.ts');
    await runDemo({ out, seed: 42, period: '2026-10', log: () => undefined });
    const db = join(out, 'allot.duckdb');
    const file = join(dir, 'demo.parquet');
    const r = await allot(['--db', db, '--json', 'export', 'focus', '--period', '2026-10', '--out', file]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout) as { rows: number; split_rows: number; run_id: number };
    expect(summary.split_rows).toBeGreaterThan(0);
    const { Store } = await import('../../src/store/db.ts');
    const store = await Store.open(db, { readOnly: true });
    try {
      await checkFocusParquet(store, file, summary.run_id, '2026-10');
      // The chargeback CSV on disk, per team, to the cent.
      const csvTeams = await store.all(
        `SELECT team_id, sum(amount::DECIMAL(38,2))::VARCHAR AS amount FROM read_csv(${sqlString(join(out, 'chargeback-2026-10.csv'))}, all_varchar = true)
         WHERE charge_type <> 'adjustment' GROUP BY 1 ORDER BY 1`);
      const fileTeams = await store.all(
        `SELECT x_AllotTeam AS team_id, sum(x_AllotChargebackCost)::DECIMAL(38,2)::VARCHAR AS amount FROM read_parquet(${sqlString(file)}) GROUP BY 1 ORDER BY 1`);
      expect(fileTeams).toEqual(csvTeams);
      // Usage-based rows say what they measured.
      const d = await store.one<{ d: string }>(`SELECT AllocatedMethodDetails AS d FROM read_parquet(${sqlString(file)}) WHERE AllocatedMethodId = 'allot/cluster-usage' LIMIT 1`);
      expect(JSON.parse(d!.d).Elements.map((e: { UsageUnit: string }) => e.UsageUnit)).toEqual(['Core-Hours', 'GiB-Hours']);
      octoberByTeam = await store.all<{ team_id: string; amount: string }>(
        `SELECT x_AllotTeam AS team_id, sum(EffectiveCost)::VARCHAR AS amount FROM read_parquet(${sqlString(file)}) GROUP BY 1 ORDER BY 1`);
    } finally {
      store.close();
    }

    // allot serve on the demo's store, started as a user starts it, answers the Cost Insights client.
    const token = 'demo-admin-token-0123456789';
    const serve = await startServe(['--db', db, '--config', join(out, 'inputs', 'allot.yaml')], { ALLOT_API_ADMIN_TOKEN: token });
    try {
      const api = new AllotCostInsightsClient({ baseUrl: serve.url, token });
      // The demo's newest month is November so far (days 1–14, replayed for the budget alerts): its monthly fees span the month, its usage ends on the 14th.
      expect(await api.getLastCompleteBillingDate()).toBe('2026-11-14');
      const groups = await api.getUserGroups('payments-leads@example.com');
      expect(groups.map((g) => g.id)).toEqual(['payments']);
      const cost = await api.getGroupDailyCost('payments', 'R1/P1M/2026-11-01');
      expect(cost.aggregation).toHaveLength(31);
      // Each day is rounded to the cent on its own: the month within a cent a day of the file's exact total.
      const month = cost.aggregation.reduce((s, a) => s + a.amount, 0);
      const exact = Number(octoberByTeam.find((t) => t.team_id === 'payments')!.amount);
      expect(Math.abs(month - exact)).toBeLessThanOrEqual(0.31);
    } finally {
      expect(await serve.stop()).toBe(0);
    }
    expect(serve.logs.some((l) => l.includes('"path":"/v1/cost-insights/groups/payments/daily-cost"'))).toBe(true);
  }, 400_000);
});
