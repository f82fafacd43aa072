import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { attribute } from '../../src/allocate/run.ts';
import { buildValueReport, type CapabilityTeam, type CapabilityValue, type ValueReport } from '../../src/model/value/index.ts';
import { renderValueHtml, renderValueMarkdown, valueCharts } from '../../src/render/value/index.ts';
import { compareDecimal, markdownText } from '../../src/render/value/format.ts';
import { parsePeriod } from '../../src/util/period.ts';
import type { Store } from '../../src/store/db.ts';
import { addItems, addSnapshot, config, tempStore } from '../allocate/fixture.ts';

// Every expected figure below is worked out by hand; the comments show the
// arithmetic. October 2026 has 31 days: 744 hours.

const P = '2026-10';
const EARLIER = '2026-07'; // keep_rate_days 90 → 3 months back

const yaml = (utilisation = '{ low: 0.2, base: 0.25, high: 0.5, source: "test: utilisation survey" }') => `
namespace_team_labels: [team]
teams:
  - { id: alpha, name: Alpha, cost_center: CC-A, gl_account: "6100" }
  - { id: bravo, name: Bravo, cost_center: CC-B, gl_account: "6200" }
  - { id: charlie, name: "<script>alert(1)</script>", cost_center: CC-C, gl_account: "6300" }
  - { id: delta, name: '=HYPERLINK("x")', cost_center: CC-D, gl_account: "6400" }
shared_pools: [{ id: platform, name: Platform }]
clusters:
  - id: prod
    match: { tags: { cluster: prod } }
    system_namespaces: [kube-system]
    system_pool: platform
    prices: { cpu_core_hour: 4, memory_gib_hour: 1 }
rules:
  - { match: { charge_category: Tax }, shared: platform }
value_model:
  self_managed_utilisation: ${utilisation}
  cpu_core_hour_price: { low: 0.5, base: 1, high: 2, source: "test: cpu price" }
  memory_gib_hour_price: { low: 0.1, base: 0.1, high: 0.1, source: "test: memory price" }
  control_plane_fee_per_hour: { low: 0.1, base: 0.1, high: 0.1, source: "test: control-plane fee" }
  self_managed_clusters_per_team: { low: 1, base: 2, high: 3, source: "test: clusters" }
  toil_hours_per_cluster_month: { low: 1, base: 2, high: 4, source: "test: toil" }
  engineer_hourly_rate: { low: 50, base: 100, high: 150, source: "test: rate" }
  ci_tooling_per_team_month: { low: 10, base: 20, high: 40, source: "test: ci" }
`;

let store: Store;
beforeEach(async () => {
  store = await tempStore();
});
afterEach(() => store.close());

/**
 * July: alpha and delta run on prod. October: alpha and bravo do (delta has
 * stopped), charlie has only direct cost, and some cost is unallocated.
 */
async function seed(cfgYaml = yaml()): Promise<void> {
  const cfg = config(cfgYaml);
  // July: 100.00 of cluster cost; both namespaces request half the node each, no idle.
  await addItems(store, EARLIER, [{ cost: '100.00', tags: { cluster: 'prod' } }]);
  await addSnapshot(store, {
    cluster: 'prod', ts: `${EARLIER}-02 00:00:00`, nodes: [{ cpu: 4, memGiB: 16 }],
    pods: [{ ns: 'alpha-ns', cpuReq: 2, memReqGiB: 8 }, { ns: 'delta-ns', cpuReq: 2, memReqGiB: 8 }],
    namespaces: { 'alpha-ns': { team: 'alpha' }, 'delta-ns': { team: 'delta' } },
  });
  await attribute(store, cfg, EARLIER);

  await addItems(store, P, [
    { cost: '1000.00', tags: { cluster: 'prod' } },
    { cost: '75.00', category: 'Tax' },
    { cost: '125.00', tags: { team: 'charlie' } },
    { cost: '50.00', account: '999' }, // no owner
    { cost: '10.00', currency: 'EUR', account: '999' }, // a second, smaller currency
  ]);
  // One node, 4 cores and 16 GiB, for 10 hours; per hour:
  //   alpha-ns  cpu max(1, 0.5) = 1, mem max(4, 6) = 6   → 10 core-h, 60 GiB-h
  //   bravo-ns  cpu max(1, 2)   = 2, mem 2               → 20 core-h, 20 GiB-h
  //   kube-system cpu 1, mem 0 (system pool "platform")
  await addSnapshot(store, {
    cluster: 'prod', ts: `${P}-02 00:00:00`, hours: 10, nodes: [{ cpu: 4, memGiB: 16 }],
    pods: [
      { ns: 'alpha-ns', cpuReq: 1, cpuUse: 0.5, memReqGiB: 4, memUseGiB: 6 },
      { ns: 'bravo-ns', cpuReq: 1, cpuUse: 2, memReqGiB: 2 },
      { ns: 'kube-system', cpuReq: 1, memReqGiB: 0 },
    ],
    namespaces: { 'alpha-ns': { team: 'alpha' }, 'bravo-ns': { team: 'bravo' } },
  });
  await attribute(store, cfg, P);
}

const team = (c: CapabilityValue, id: string): CapabilityTeam => c.teams.find((t) => t.team_id === id)!;

describe('buildValueReport', () => {
  it('computes every figure exactly from the latest run and the value model', async () => {
    await seed();
    const r = await buildValueReport(store, config(yaml()).config, P);
    expect(r.currency).toBe('USD');
    expect(r.excluded_currencies).toEqual(['EUR']);
    expect(r.hours_in_period).toBe(744);
    expect(r.price_source).toBe('config');
    // No capabilities: configured, so one Kubernetes capability over the clusters.
    expect(r.capabilities_derived).toBe(true);
    expect(r.capabilities.map((c) => [c.id, c.name, c.usage])).toEqual([['kubernetes', 'Kubernetes', ['clusters prod']]]);
    const k8s = r.capabilities[0]!;

    // Cluster split (w = 40·4 / (40·4 + 160·1) = 1/2, so C_cpu = C_mem = 500):
    //   alpha kubernetes 500·1/4 + 500·6/16 = 312.50; bravo 500·2/4 + 500·2/16 = 312.50; kube-system 125.00 → platform
    //   idle: cpu 0 (4 of 4 used), mem 500·(1 − 8/16) = 250 by U_mem: alpha 6/8 → 187.50, bravo 2/8 → 62.50
    // Platform pool 125 (kube-system) + 75 (Tax) = 200, by direct + kubernetes + idle: alpha 500, bravo 375, charlie 125 of 1000
    //   → alpha 100.00, bravo 75.00, charlie 25.00; of each, 125/200 came from the cluster.
    const alpha = team(k8s, 'alpha');
    expect(alpha).toMatchObject({
      team_name: 'Alpha', uses: true,
      // 312.50 + 187.50 + 100.00·125/200 = 62.50 → 562.50 (not the Tax part of the pool)
      platform_cost: '562.50',
      by_charge_type: [{ charge_type: 'kubernetes', amount: '312.50' }, { charge_type: 'idle', amount: '187.50' }, { charge_type: 'shared', amount: '62.50' }],
      cpu_core_hours: '10.00', mem_gib_hours: '60.00',
    });
    // low: utilisation 0.5 (the high end), cheapest everything else; high: utilisation 0.2, dearest
    //   compute low  = 10/0.5·0.5 + 60/0.5·0.1 = 10 + 12 = 22.00
    //           base = 10/0.25·1  + 60/0.25·0.1 = 40 + 24 = 64.00
    //           high = 10/0.2·2   + 60/0.2·0.1  = 100 + 30 = 130.00
    //   control plane 0.1·744·{1,2,3} = 74.40, 148.80, 223.20
    //   toil {1·1·50, 2·2·100, 4·3·150} = 50.00, 400.00, 1800.00; CI 10, 20, 40
    expect(alpha.components).toEqual([
      { name: 'Compute', range: { low: '22.00', base: '64.00', high: '130.00' } },
      { name: 'Control plane', range: { low: '74.40', base: '148.80', high: '223.20' } },
      { name: 'Toil', range: { low: '50.00', base: '400.00', high: '1800.00' } },
      { name: 'CI and tooling', range: { low: '10.00', base: '20.00', high: '40.00' } },
    ]);
    // 22 + 74.40 + 50 + 10 = 156.40; 64 + 148.80 + 400 + 20 = 632.80; 130 + 223.20 + 1800 + 40 = 2193.20
    expect(alpha.self_managed).toEqual({ low: '156.40', base: '632.80', high: '2193.20' });
    // − 562.50: negative on the low estimate, and the report says so
    expect(alpha.value).toEqual({ low: '-406.10', base: '70.30', high: '1630.70' });
    expect(alpha.note).toBe('On the low estimate, running it alone would have cost $406 less than the platform charged.');

    const bravo = team(k8s, 'bravo');
    // 312.50 + 62.50 + 75.00·125/200 = 46.875 → 46.88
    expect(bravo).toMatchObject({ platform_cost: '421.88', cpu_core_hours: '20.00', mem_gib_hours: '20.00', uses: true });
    // compute: 20/0.5·0.5 + 20/0.5·0.1 = 20 + 4 = 24; 80 + 8 = 88; 100·2 + 100·0.1 = 210
    expect(bravo.components[0]).toEqual({ name: 'Compute', range: { low: '24.00', base: '88.00', high: '210.00' } });
    // 24 + 74.40 + 50 + 10 = 158.40; 88 + 148.80 + 400 + 20 = 656.80; 210 + 223.20 + 1800 + 40 = 2273.20
    expect(bravo.self_managed).toEqual({ low: '158.40', base: '656.80', high: '2273.20' });
    expect(bravo.value).toEqual({ low: '-263.48', base: '234.92', high: '1851.32' });

    // charlie has only direct cost: not a user, but 25.00·125/200 = 15.625 → 15.63 of cluster overhead reached it
    const charlie = team(k8s, 'charlie');
    const zero = { low: '0.00', base: '0.00', high: '0.00' };
    expect(charlie).toMatchObject({ uses: false, platform_cost: '15.63', self_managed: zero, value: zero, components: [] });
    expect(charlie.note).toBe('Did not use Kubernetes in 2026-10, yet $15.63 of its cost reached the team through shared pools; no value is counted.');
    expect(k8s.teams.find((t) => t.team_id === 'delta')).toBeUndefined();

    // Users first, by base value: bravo (234.92) before alpha (70.30); then charlie.
    expect(k8s.teams.map((t) => t.team_id)).toEqual(['bravo', 'alpha', 'charlie']);
    // 562.50 + 421.88 + 15.63 (each part rounded on its own)
    expect(k8s.platform_cost).toBe('1000.01');
    expect(k8s.platform_cost_non_users).toBe('15.63');
    expect(k8s.self_managed).toEqual({ low: '314.80', base: '1289.60', high: '4466.40' });
    expect(k8s.value).toEqual({ low: '-685.21', base: '289.59', high: '3466.39' });
    expect(r.organisation).toEqual({ platform_cost: '1000.01', self_managed: k8s.self_managed, value: k8s.value });
    for (const x of [...k8s.teams.flatMap((t) => [t.self_managed, t.value]), k8s.self_managed, k8s.value]) {
      expect(compareDecimal(x.low, x.base)).toBeLessThanOrEqual(0);
      expect(compareDecimal(x.base, x.high)).toBeLessThanOrEqual(0);
    }

    // The Tax part of the pool belongs to no capability: 37.50 + 28.12 + 9.37 = 74.99 (with the 125.01 above: 200.00)
    expect(r.shared_outside).toEqual([{ pool: 'platform', service: 'Platform', amount: '74.99', teams: 3 }]);
    expect(r.shared_total).toBe('200.00');
    expect(r.teams.find((t) => t.team_id === 'alpha')).toMatchObject({ uses: ['Kubernetes'], platform_cost: '562.50', shared_outside: '37.50' });

    // Adoption: July alpha and delta; no runs in August and September; October alpha and bravo.
    // Keep rate in October: first used in July (123 days before 1 November ≥ 90): alpha and delta; alpha still → 1 of 2.
    expect(k8s.adoption.map((a) => [a.period, a.run_id, a.users, a.new_adopters, a.stopped, a.keep_base, a.kept, a.keep_rate_pct])).toEqual([
      ['2026-07', 1, 2, [], [], 0, 0, 'n/a'], // the first month on record: users may have started earlier
      ['2026-08', null, 0, [], [], 0, 0, 'n/a'],
      ['2026-09', null, 0, [], [], 0, 0, 'n/a'],
      ['2026-10', 2, 2, ['bravo'], ['delta'], 2, 1, '50.00'],
    ]);
    expect(k8s.current).toMatchObject({ eligible: 4, users: 2, market_share_pct: '50.00' });
    expect(k8s.trend.map((t) => [t.period, t.spend])).toEqual([['2026-07', '100.00'], ['2026-08', null], ['2026-09', null], ['2026-10', '1000.01']]);
    // Allocated: |1000| + |75| + |125| + |50| = 1250 USD, of which 50 unallocated → 1200/1250 = 96.00%
    expect(r.allocated_pct).toBe('96.00');
    expect(r.run_id).toBe(2);

    expect(r.headline).toBe(
      'In 2026-10, 2 of 4 teams used the platform’s Kubernetes; teams were charged $1,000 through it: Kubernetes $1,000 ' +
        '(kubernetes charges $625, idle charges $250, its part of shared pools $125). ' +
        'Running it themselves would have cost the teams that used it an estimated $1,290 (range $315–$4,466).',
    );
    expect(r.summary).toBe(
      'That is $290 of value on the base estimate (range -$685 to $3,466); on the low estimate self-managed would have been cheaper. ' +
        '$75 of shared charges belong to no capability (Platform) and are in none of these figures.',
    );
    expect(r.inputs.find((i) => i.name === 'CPU price')).toEqual({
      name: 'CPU price', low: '0.5', base: '1', high: '2', unit: 'USD per core-hour', source: 'test: cpu price (config value_model.cpu_core_hour_price)',
    });
    expect(r.inputs.find((i) => i.name === 'Self-managed utilisation')).toMatchObject({ low: '0.2', base: '0.25', high: '0.5' });
    expect(r.method.some((m) => m.includes('charges in EUR are left out'))).toBe(true);
    expect(r.survey).toEqual({ nps: null, onboarding: null });
  });

  it('uses the latest run of the period', async () => {
    await seed();
    await attribute(store, config(yaml()), P); // run 3, same figures
    const r = await buildValueReport(store, config(yaml()).config, P);
    expect(r.run_id).toBe(3);
    expect(r.organisation.platform_cost).toBe('1000.01');
    // list_prices is optional: a store without the table prices from the config
    await store.run('DROP TABLE IF EXISTS list_prices');
    const r2 = await buildValueReport(store, config(yaml()).config, P);
    expect(r2.price_source).toBe('config');
    expect(r2.organisation).toEqual(r.organisation);
    expect(r2.method.some((m) => m.includes('allot prices gcp” has not run'))).toBe(true);
  });

  it('prefers GCP list prices over the config: the cheapest general-purpose on-demand family, latest effective price', async () => {
    await seed();
    // list_prices comes from migration 002 (src/store/migrations/002-list-prices.sql); rows as `allot prices gcp` writes them.
    const rows: [string, string, string, string, string, string, string, string, string][] = [
      // provider, sku, description, region, family, resource, price, currency, effective
      ['gcp', 'E2-C', 'E2 Instance Core running in Americas', 'us-central1', 'E2', 'cpu', '0.02', 'USD', '2026-09-01'],
      ['gcp', 'E2-R', 'E2 Instance Ram running in Americas', 'us-central1', 'E2', 'memory', '0.003', 'USD', '2026-09-01'],
      ['gcp', 'E2-C-old', 'E2 Instance Core running in Americas', 'us-central1', 'E2', 'cpu', '0.01', 'USD', '2026-01-01'], // superseded
      ['gcp', 'E2-C-next', 'E2 Instance Core running in Americas', 'us-central1', 'E2', 'cpu', '0.001', 'USD', '2027-01-01'], // not yet in force
      ['gcp', 'E2-S', 'Spot Preemptible E2 Instance Core running in Americas', 'us-central1', 'E2', 'cpu', '0.005', 'USD', '2026-09-01'],
      ['gcp', 'N2-C', 'N2 Instance Core running in Americas', 'us-central1', 'N2', 'cpu', '0.03', 'USD', '2026-09-01'],
      ['gcp', 'N2-R', 'N2 Instance Ram running in Americas', 'us-central1', 'N2', 'memory', '0.004', 'USD', '2026-09-01'],
      ['gcp', 'M1-C', 'Memory-optimized Instance Core', 'us-central1', 'M1', 'cpu', '0.0001', 'USD', '2026-09-01'], // not general purpose
      ['gcp', 'M1-R', 'Memory-optimized Instance Ram', 'us-central1', 'M1', 'memory', '0.0001', 'USD', '2026-09-01'],
      ['gcp', 'E2-C-EUR', 'E2 Instance Core running in EMEA', 'europe-west1', 'E2', 'cpu', '0.0001', 'EUR', '2026-09-01'], // other currency
      ['gcp', 'E2-R-EUR', 'E2 Instance Ram running in EMEA', 'europe-west1', 'E2', 'memory', '0.0001', 'EUR', '2026-09-01'],
      ['aws', 'X', 'm5 vCPU', 'us-east-1', 'E2', 'cpu', '0.0001', 'USD', '2026-09-01'], // other provider
    ];
    for (const [provider, sku, description, region, family, resource, price, currency, effective] of rows) {
      await store.run(
        `INSERT INTO list_prices (provider, service, sku_id, description, region, machine_family, resource, unit, price, currency, effective_time, fetched_at)
         VALUES ($1, 'Compute Engine', $2, $3, $4, $5, $6, $7, $8::DECIMAL(38,12), $9, $10::TIMESTAMP, '2026-10-02 06:00:00'::TIMESTAMP)`,
        [provider, sku, description, region, family.toLowerCase(), resource, resource === 'cpu' ? 'core-hour' : 'gib-hour', price, currency, effective],
      );
    }
    // Utilisation 0.3 everywhere, so capacity does not divide evenly (rounded to 6 decimals, half up).
    const r = await buildValueReport(store, config(yaml('{ low: 0.3, base: 0.3, high: 0.3, source: "test" }')).config, P);
    const k8s = r.capabilities[0]!;
    expect(r.price_source).toBe('list_prices');
    const cpu = r.inputs.find((i) => i.name === 'CPU price')!;
    expect(cpu).toMatchObject({ low: '0.02', base: '0.02', high: '0.02' });
    expect(cpu.source).toBe('GCP on-demand list price “E2 Instance Core running in Americas” (SKU E2-C, us-central1, per core-hour), effective 2026-09-01, fetched 2026-10-02');
    expect(r.inputs.find((i) => i.name === 'Memory price')).toMatchObject({ base: '0.003' });
    // alpha: 10/0.3 = 33.333333 core-h × 0.02 = 0.66666666; 60/0.3 = 200 GiB-h × 0.003 = 0.6 → 1.26666666 → 1.27
    expect(team(k8s, 'alpha').components[0]!.range).toEqual({ low: '1.27', base: '1.27', high: '1.27' });
    // bravo: 20/0.3 = 66.666667 × 0.02 = 1.33333334; 66.666667 × 0.003 = 0.200000001 → 1.533333341 → 1.53
    expect(team(k8s, 'bravo').components[0]!.range).toEqual({ low: '1.53', base: '1.53', high: '1.53' });
    expect(r.method.some((m) => m.includes('Compute is priced at e2 in us-central1'))).toBe(true);
  });

  it('keep rate is n/a without earlier runs; a period without a run is an error', async () => {
    const cfg = config(yaml());
    await addItems(store, P, [{ cost: '10.00', tags: { team: 'alpha' } }]);
    await attribute(store, cfg, P);
    const r = await buildValueReport(store, cfg.config, P);
    expect(r.capabilities[0]!.current).toMatchObject({ users: 0, market_share_pct: '0.00', keep_base: 0, keep_rate_pct: 'n/a' });
    expect(r.capabilities[0]!.adoption.map((a) => a.period)).toEqual(['2026-10']);
    expect(r.headline).toBe('No team used the platform’s Kubernetes in 2026-10.');
    await expect(buildValueReport(store, cfg.config, '2026-11')).rejects.toThrow(/no allocation run for period 2026-11/);
    expect(() => parsePeriod('2026-13')).toThrow(/period must be YYYY-MM/); // checked once, where a period enters (CLI, job specs)
    // A utilisation of 0 (capacity is usage ÷ utilisation) no longer loads; the report refuses it too if handed one.
    expect(() => config(yaml('{ low: 0, base: 0.2, high: 0.3, source: "test" }'))).toThrow(/self_managed_utilisation: utilisation is a fraction: needs 0\.01 <= low/);
    const zeroUtil = { ...cfg.config, value_model: { ...cfg.config.value_model, self_managed_utilisation: { low: 0, base: 0.2, high: 0.3, source: 'test' } } };
    await expect(buildValueReport(store, zeroUtil, P)).rejects.toThrow(/self_managed_utilisation.low must be above 0/);
  });
});

/** The cells of a GFM table row: split on pipes no backslash escapes. */
const cells = (row: string) => row.trim().replace(/^\|/, '').replace(/(?<!\\)\|$/, '').split(/(?<!\\)\|/).map((c) => c.trim());
/** Markdown's backslash escapes undone: what a reader sees. */
const unescapeMd = (s: string) => s.replace(/\\([!-/:-@[-`{-~])/g, '$1');

/** Every GFM table in `md`: its rows (header first) as cells, checked to have the header's width. */
function tables(md: string): string[][][] {
  const out: string[][][] = [];
  let cur: string[][] | null = null;
  for (const line of md.split('\n')) {
    if (line.startsWith('|')) {
      const row = cells(line);
      if (!cur) out.push((cur = []));
      if (/^[-:|\s]+$/.test(line)) continue; // the delimiter row
      cur.push(row);
    } else cur = null;
  }
  return out;
}

describe('renderers', () => {
  it('Markdown and HTML carry the headline, the sources and escape hostile team names', async () => {
    await seed();
    const r = await buildValueReport(store, config(yaml()).config, P);
    const md = renderValueMarkdown(r);
    const charts = await valueCharts(r);
    const html = renderValueHtml(r, charts);
    for (const out of [md, html]) {
      expect(out).toContain('Method and sources');
      expect(out).toContain('test: utilisation survey (config value_model.self_managed_utilisation)');
      expect(out).toContain('test: cpu price');
      expect(out).not.toContain('<script>');
      expect(out).toContain('NPS: not measured (no survey answers on file).');
      expect(out).toContain('Onboarding time: not measured (no onboarding samples on file).');
      expect(out).toContain('NPS: not measured. Onboarding: not measured.');
    }
    expect(md).toContain(`**${r.headline}**`);
    expect(html).toContain('teams were charged $1,000 through it: Kubernetes $1,000 (kubernetes charges $625, idle charges $250, its part of shared pools $125)');
    // HTML escapes as HTML; Markdown as Markdown (no HTML entities in it)
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('&#x3D;HYPERLINK(&quot;x&quot;)');
    expect(md).toContain('\\<script\\>alert(1)\\</script\\>');
    expect(md).not.toContain('&lt;');
    expect(md).toContain('| **Organisation** | 1,000.01 | 1,289.60 | 314.80 to 4,466.40 | **289.59** | -685.21 to 3,466.39 |');
    expect(md).toContain('### Kubernetes (kubernetes)');
    expect(md).toContain('| Alpha | 562.50 | kubernetes 312.50, idle 187.50, shared 62.50; 10.00 core-h, 60.00 GiB-h | 632.80 | 70.30 | -406.10 to 1,630.70 |');
    expect(md).toContain('| 2026-10 | 2 of 4 | 50.00% | Bravo | – | =HYPERLINK("x") | 1 of 2 (50.00%) | 1,000.01 | 289.59 |');
    expect(md).toContain('| Platform (platform) | 74.99 | 3 |');
    for (const t of tables(md)) for (const row of t) expect(row.length).toBe(t[0]!.length);
    // charts: PNGs, inline in the HTML, nothing remote
    expect(charts.map((c) => c.name)).toEqual(['adoption', 'spend']);
    for (const c of charts) expect(c.png.subarray(1, 4).toString()).toBe('PNG');
    expect([...html.matchAll(/src="([^"]{0,22})/g)].map((m) => m[1])).toEqual(['data:image/png;base64,', 'data:image/png;base64,']);
    expect(html).not.toMatch(/<script|<link|https?:\/\//i);
    expect(Buffer.byteLength(html)).toBeLessThan(100_000);
  });

  it('Markdown with &, | and * in names stays a valid table and reads back as the names', async () => {
    const names = ['R&D | Ops*', 'Identity & Access', 'a*b*c | d'];
    const cfgYaml = yaml()
      .replace('name: Alpha', `name: "${names[0]}"`)
      .replace('name: Bravo', `name: "${names[1]}"`)
      .replace('name: "<script>alert(1)</script>"', `name: "${names[2]}"`);
    await seed(cfgYaml);
    const md = renderValueMarkdown(await buildValueReport(store, config(cfgYaml).config, P));
    expect(md).not.toContain('&amp;');
    expect(md).toContain('R&D \\| Ops\\*');
    const all = tables(md);
    expect(all.length).toBeGreaterThan(5);
    for (const t of all) for (const row of t) expect(row.length).toBe(t[0]!.length);
    // The Teams table: the first cell of each row is the name, as written
    const teamsTable = all.find((t) => t[0]![0] === 'Team' && t[0]![1] === 'Capabilities used')!;
    expect(teamsTable.slice(1).map((row) => unescapeMd(row[0]!)).sort()).toEqual([...names, '=HYPERLINK("x")'].sort());
  });

  it('markdownText escapes Markdown syntax, not HTML, and leaves plain text and numbers alone', () => {
    expect(markdownText('R&D | Ops*')).toBe('R&D \\| Ops\\*');
    expect(markdownText('&amp; <b>x</b>')).toBe('\\&amp; \\<b\\>x\\</b\\>');
    expect(markdownText('# Ops')).toBe('\\# Ops');
    expect(markdownText('- team')).toBe('\\- team');
    expect(markdownText('1. team')).toBe('1\\. team');
    expect(markdownText('-406.10 to 10.00')).toBe('-406.10 to 10.00');
    expect(markdownText('value_model and _x_')).toBe('value_model and \\_x\\_');
    expect(markdownText('two\nlines')).toBe('two lines');
  });

  it('HTML stays under 100 KB for a large organisation', async () => {
    await seed();
    const r = await buildValueReport(store, config(yaml()).config, P);
    const k8s = r.capabilities[0]!;
    const t = team(k8s, 'alpha');
    const big: ValueReport = {
      ...r,
      capabilities: [{ ...k8s, teams: Array.from({ length: 400 }, (_, i) => ({ ...t, team_id: `team-${i}`, team_name: `Team number ${i} with a long name`, note: i % 2 ? t.note : '' })) }],
    };
    const html = renderValueHtml(big, await valueCharts(big));
    expect(Buffer.byteLength(html)).toBeLessThan(100_000);
    expect(html).toContain('And 310 more teams using Kubernetes');
  });
});
