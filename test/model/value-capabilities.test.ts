import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { attribute } from '../../src/allocate/run.ts';
import { adoptionSeries, buildValueReport, npsByQuarter, npsOf, type CapabilityValue } from '../../src/model/value/index.ts';
import type { Store } from '../../src/store/db.ts';
import { addItems, addSnapshot, config, tempStore } from '../allocate/fixture.ts';
import { allot } from '../cli/run.ts';

// Every expected figure is worked out by hand in the comments.

describe('adoptionSeries', () => {
  it('counts users, new adopters, returns, stops and the keep rate month by month (a team that leaves and comes back)', () => {
    const m = (period: string, users: string[] | null, run = 1) => ({ period, run_id: users === null ? null : run, users: new Set(users ?? []) });
    const rows = adoptionSeries(
      [
        m('2026-01', ['a', 'b']),
        m('2026-02', ['a', 'b', 'c']),
        m('2026-03', ['a', 'c']), // b stops
        m('2026-04', null), // no run
        m('2026-05', ['a', 'b', 'c']), // b comes back (the previous month with a run is March)
        m('2026-06', ['a', 'c', 'd', 'x']), // b stops again, d adopts; x is not eligible
        m('2026-07', ['a', 'b', 'd']), // b back again, c stops
      ],
      new Set(['a', 'b', 'c', 'd', 'e']),
      90,
    );
    // Keep rate: teams whose first use began ≥ 90 days before the month's end.
    //   January's users: 31, 59, 90 days by the end of Jan, Feb, Mar → in the base from March.
    //   c (February): 59 by March, 120 by May. d (June): 30 by June, 61 by July → never in the base here.
    expect(rows.map((r) => [r.period, r.users, r.market_share_pct, r.new_adopters, r.returned, r.stopped, r.kept, r.keep_base, r.keep_rate_pct])).toEqual([
      ['2026-01', 2, '40.00', [], [], [], 0, 0, 'n/a'], // the first month on record: no one counts as new
      ['2026-02', 3, '60.00', ['c'], [], [], 0, 0, 'n/a'],
      ['2026-03', 2, '40.00', [], [], ['b'], 1, 2, '50.00'], // of a, b: a
      ['2026-04', 0, 'n/a', [], [], [], 0, 0, 'n/a'],
      ['2026-05', 3, '60.00', [], ['b'], [], 3, 3, '100.00'], // a, b, c all in use
      ['2026-06', 3, '60.00', ['d'], [], ['b'], 2, 3, '66.67'], // of a, b, c: a, c
      ['2026-07', 3, '60.00', [], ['b'], ['c'], 2, 3, '66.67'], // of a, b, c: a, b
    ]);
    expect(rows.every((r) => r.eligible === 5)).toBe(true);
    expect(rows.map((r) => r.first_on_record)).toEqual([true, false, false, false, false, false, false]);
  });
});

describe('NPS', () => {
  it('is % promoters − % detractors per quarter, from known answers', () => {
    // Q3: 9, 10, 10 promoters; 7 passive; 3, 6 detractors → (3 − 2) / 6 = 16.67% → 17
    // Q4: 10 promoter; 0, 5, 6 detractors → (1 − 3) / 4 = −50
    const q = npsByQuarter([
      { date: '2026-07-03', score: 9 }, { date: '2026-08-10', score: 10 }, { date: '2026-09-30', score: 10 },
      { date: '2026-07-15', score: 7 }, { date: '2026-08-01', score: 3 }, { date: '2026-09-01', score: 6 },
      { date: '2026-10-01', score: 10 }, { date: '2026-11-11', score: 0 }, { date: '2026-12-31', score: 5 }, { date: '2026-10-20', score: 6 },
    ]);
    expect(q).toEqual([
      { quarter: '2026-Q4', responses: 4, promoters: 1, passives: 0, detractors: 3, nps: '-50' },
      { quarter: '2026-Q3', responses: 6, promoters: 3, passives: 1, detractors: 2, nps: '17' },
    ]);
    expect(npsOf(1, 0, 8)).toBe('13'); // 12.5 → 13, half away from zero
    expect(npsOf(0, 1, 8)).toBe('-13');
    expect(npsOf(5, 5, 10)).toBe('0');
  });
});

const P = '2026-10';
const yaml = `
namespace_team_labels: [team]
teams:
  - { id: alpha, name: Alpha, cost_center: CC-A, gl_account: "6100" }
  - { id: bravo, name: Bravo, cost_center: CC-B, gl_account: "6200" }
  - { id: charlie, name: Charlie, cost_center: CC-C, gl_account: "6300" }
shared_pools:
  - { id: platform, name: Platform, strategy: fixed, weights: { alpha: 2, bravo: 1, charlie: 1 } }
  - { id: tax, name: Tax, strategy: fixed, weights: { alpha: 2, bravo: 1, charlie: 1 } }
  - { id: security, name: Security, strategy: fixed, weights: { alpha: 2, bravo: 1, charlie: 1 } }
clusters:
  - id: prod
    match: { tags: { cluster: prod } }
    system_namespaces: [kube-system]
    system_pool: platform
    prices: { cpu_core_hour: 4, memory_gib_hour: 1 }
rules:
  - { match: { charge_category: Tax }, shared: tax }
  - { match: { sub_account_id: "555" }, shared: security }
  - { match: { service_name: Networking }, shared: platform }
value_model:
  self_managed_utilisation: { low: 0.2, base: 0.25, high: 0.5, source: "test: utilisation" }
  cpu_core_hour_price: { low: 0.5, base: 1, high: 2, source: "test: cpu price" }
  memory_gib_hour_price: { low: 0.1, base: 0.1, high: 0.1, source: "test: memory price" }
  control_plane_fee_per_hour: { low: 0.1, base: 0.1, high: 0.1, source: "test: fee" }
  self_managed_clusters_per_team: { low: 1, base: 2, high: 3, source: "test: clusters" }
  toil_hours_per_cluster_month: { low: 1, base: 2, high: 4, source: "test: toil" }
  engineer_hourly_rate: { low: 50, base: 100, high: 150, source: "test: rate" }
  ci_tooling_per_team_month: { low: 10, base: 20, high: 40, source: "test: ci" }
capabilities:
  - id: kubernetes
    name: Kubernetes
    usage: [{ clusters: [prod] }]
    self_managed: { model: kubernetes, include_ci_tooling: false }
  - id: ci
    name: CI runners
    usage: [{ accounts: ["999"], services: ["CI Runners"] }]
    self_managed:
      model: items
      items:
        - { name: Runner fleet, per: team_month, low: 50, base: 100, high: 200, source: "test: runner quote" }
        - { name: Runner upkeep, per: engineer_hours, low: 1, base: 2, high: 4, source: "test: upkeep survey" }
  - id: db
    name: Managed database
    usage: [{ services: ["Cloud SQL*"] }]
    eligible_teams: [alpha, bravo]
    self_managed:
      model: items
      items:
        - { name: "Instance, storage and operation", per: spend_ratio, low: 1.2, base: 1.5, high: 2, source: "test: self-run database estimate" }
`;

let store: Store;
beforeEach(async () => {
  store = await tempStore();
});
afterEach(() => store.close());

async function seed(): Promise<void> {
  await addItems(store, P, [
    { cost: '1000.00', tags: { cluster: 'prod' } },
    { cost: '60.00', category: 'Tax' },
    { cost: '90.00', account: '555' }, // the security account
    { cost: '75.00', service: 'Networking' }, // into the platform pool, not from the cluster
    { cost: '125.00', tags: { team: 'charlie' } },
    { cost: '40.00', account: '999', service: 'CI Runners', tags: { team: 'alpha' } },
    { cost: '20.00', account: '999', service: 'CI Runners', tags: { team: 'charlie' } },
    { cost: '80.00', service: 'Cloud SQL for PostgreSQL', tags: { team: 'bravo' } },
  ]);
  // One node, 4 cores and 16 GiB, for 10 hours (as in test/render/value.test.ts):
  //   C_cpu = C_mem = 500; alpha kubernetes 312.50, bravo 312.50, kube-system 125.00 → platform;
  //   idle memory 250 by U_mem: alpha 187.50, bravo 62.50.
  await addSnapshot(store, {
    cluster: 'prod', ts: `${P}-02 00:00:00`, hours: 10, nodes: [{ cpu: 4, memGiB: 16 }],
    pods: [
      { ns: 'alpha-ns', cpuReq: 1, cpuUse: 0.5, memReqGiB: 4, memUseGiB: 6 },
      { ns: 'bravo-ns', cpuReq: 1, cpuUse: 2, memReqGiB: 2 },
      { ns: 'kube-system', cpuReq: 1, memReqGiB: 0 },
    ],
    namespaces: { 'alpha-ns': { team: 'alpha' }, 'bravo-ns': { team: 'bravo' } },
  });
  await attribute(store, config(yaml), P);
}

const cap = (c: CapabilityValue[], id: string) => c.find((x) => x.id === id)!;

describe('platform cost per capability', () => {
  it('Kubernetes: a team’s kubernetes + idle rows plus the cluster-derived part of its shared rows, to the cent; tax, security and other pool inputs left out', async () => {
    await seed();
    // The rows as charged: shared pools by fixed weights 2:1:1.
    //   platform 125 (kube-system) + 75 (Networking) = 200 → alpha 100, bravo 50, charlie 50
    //   tax 60 → 30, 15, 15; security 90 → 45, 22.50, 22.50
    const rows = await store.all<{ k: string; amount: string }>(
      `SELECT team_id || '/' || charge_type || '/' || service AS k, amount::DECIMAL(38,2)::VARCHAR AS amount
       FROM chargeback_rows WHERE run_id = 1 AND team_id = 'alpha' ORDER BY k`);
    expect(rows).toEqual([
      { k: 'alpha/direct/CI Runners', amount: '40.00' },
      { k: 'alpha/idle/Kubernetes (prod)', amount: '187.50' },
      { k: 'alpha/kubernetes/Kubernetes (prod)', amount: '312.50' },
      { k: 'alpha/shared/Platform', amount: '100.00' },
      { k: 'alpha/shared/Security', amount: '45.00' },
      { k: 'alpha/shared/Tax', amount: '30.00' },
    ]);

    const r = await buildValueReport(store, config(yaml).config, P);
    expect(r.capabilities_derived).toBe(false);
    expect(r.capabilities.map((c) => c.name)).toEqual(['Kubernetes', 'CI runners', 'Managed database']);
    const k8s = cap(r.capabilities, 'kubernetes');
    const alpha = k8s.teams.find((t) => t.team_id === 'alpha')!;
    // 312.50 + 187.50 + 100.00 × 125/200 (= 62.50); not Tax 30, not Security 45, not Networking's 37.50
    expect(alpha.platform_cost).toBe('562.50');
    expect(alpha.parts).toEqual([
      { charge_type: 'idle', service: 'Kubernetes (prod)', pool: null, amount: '187.50', whole_row: true },
      { charge_type: 'kubernetes', service: 'Kubernetes (prod)', pool: null, amount: '312.50', whole_row: true },
      { charge_type: 'shared', service: 'Platform', pool: 'platform', amount: '62.50', whole_row: false },
    ]);
    // bravo: 312.50 + 62.50 + 50.00 × 125/200 (= 31.25)
    expect(k8s.teams.find((t) => t.team_id === 'bravo')).toMatchObject({ uses: true, platform_cost: '406.25' });
    // charlie owns no namespace: 31.25 of cluster overhead still reaches it, and it is not a user
    expect(k8s.teams.find((t) => t.team_id === 'charlie')).toMatchObject({ uses: false, platform_cost: '31.25', value: { low: '0.00', base: '0.00', high: '0.00' } });
    expect(k8s).toMatchObject({ platform_cost: '1000.00', platform_cost_non_users: '31.25' });
    // No CI and tooling in this Kubernetes model (include_ci_tooling: false): 64 + 148.80 + 400 = 612.80 for alpha
    expect(alpha.components.map((c) => c.name)).toEqual(['Compute', 'Control plane', 'Toil']);
    expect(alpha.self_managed.base).toBe('612.80');
    expect(alpha.value.base).toBe('50.30'); // 612.80 − 562.50

    // Shared charges outside any capability: tax 60, security 90, platform 75 (Networking: 37.50 + 18.75 + 18.75)
    expect(r.shared_outside).toEqual([
      { pool: 'security', service: 'Security', amount: '90.00', teams: 3 },
      { pool: 'platform', service: 'Platform', amount: '75.00', teams: 3 },
      { pool: 'tax', service: 'Tax', amount: '60.00', teams: 3 },
    ]);
    expect(r.shared_outside_total).toBe('225.00');
    expect(r.shared_total).toBe('350.00');
    expect(r.teams.find((t) => t.team_id === 'alpha')).toMatchObject({ uses: ['Kubernetes', 'CI runners'], shared_outside: '112.50' }); // 37.50 + 30 + 45
    expect(r.headline).toContain('Kubernetes $1,000 (kubernetes charges $625, idle charges $250, its part of shared pools $125)');
    expect(r.summary).toContain('$225 of shared charges belong to no capability (Security, Platform, Tax) and are in none of these figures.');
  });

  it('other capabilities: matched by account, service and tags on the line items, valued with their own items', async () => {
    await seed();
    const r = await buildValueReport(store, config(yaml).config, P);
    const ci = cap(r.capabilities, 'ci');
    // alpha 40.00 and charlie 20.00 of CI runners in account 999; self-managed per team:
    //   low 50 + 1 h × 50 = 100; base 100 + 2 × 100 = 300; high 200 + 4 × 150 = 800
    expect(ci.teams.map((t) => [t.team_id, t.uses, t.platform_cost, t.self_managed, t.value])).toEqual([
      ['charlie', true, '20.00', { low: '100.00', base: '300.00', high: '800.00' }, { low: '80.00', base: '280.00', high: '780.00' }],
      ['alpha', true, '40.00', { low: '100.00', base: '300.00', high: '800.00' }, { low: '60.00', base: '260.00', high: '760.00' }],
    ]);
    expect(ci.current).toMatchObject({ eligible: 3, users: 2, market_share_pct: '66.67', first_on_record: true, new_adopters: [] });
    expect(ci).toMatchObject({ platform_cost: '60.00', self_managed: { low: '200.00', base: '600.00', high: '1600.00' }, value: { low: '140.00', base: '540.00', high: '1540.00' } });

    const db = cap(r.capabilities, 'db');
    // bravo's 80.00 of Cloud SQL × {1.2, 1.5, 2} = 96, 120, 160; eligible: alpha and bravo only
    expect(db.teams.map((t) => [t.team_id, t.platform_cost, t.self_managed, t.value])).toEqual([
      ['bravo', '80.00', { low: '96.00', base: '120.00', high: '160.00' }, { low: '16.00', base: '40.00', high: '80.00' }],
    ]);
    expect(db.current).toMatchObject({ eligible: 2, users: 1, market_share_pct: '50.00' });
    expect(db.eligible.map((e) => e.team_id)).toEqual(['alpha', 'bravo']);
    expect(r.inputs.find((i) => i.name === 'Managed database: Instance, storage and operation')).toEqual({
      name: 'Managed database: Instance, storage and operation', low: '1.2', base: '1.5', high: '2', unit: '× the team’s spend through the capability',
      source: 'test: self-run database estimate (config capabilities[db].self_managed.items[0])',
    });
    // Organisation: Σ capabilities. Kubernetes self-managed: alpha 612.80, bravo 88 + 148.80 + 400 = 636.80 → 1249.60 − 1000.00 = 249.60
    expect(cap(r.capabilities, 'kubernetes').value.base).toBe('249.60');
    expect(r.organisation).toMatchObject({ platform_cost: '1140.00', value: { base: '829.60' } }); // 1000 + 60 + 80; 249.60 + 540 + 40
    expect(r.method.some((m) => m.includes('more than one capability'))).toBe(false);
    // A capability overlapping another is said so
    const overlapping = config(yaml.replace('usage: [{ services: ["Cloud SQL*"] }]', 'usage: [{ services: ["Cloud SQL*", "CI Runners"] }]')).config;
    const o = await buildValueReport(store, overlapping, P);
    expect(o.method).toContain('Some charges match more than one capability (CI runners and Managed database): they count in each, so the organisation\'s total counts them more than once.');
  });
});

describe('capabilities: configuration', () => {
  it('refuses unknown clusters, pools and teams, and duplicate ids', () => {
    const bad = yaml.replace('usage: [{ clusters: [prod] }]', 'usage: [{ clusters: [prdo] }]');
    expect(() => config(bad)).toThrow(/test.yaml:\d+: capabilities\[0\]\.usage\[0\]\.clusters\[0\]: unknown cluster "prdo"/);
    expect(() => config(yaml.replace('eligible_teams: [alpha, bravo]', 'eligible_teams: [alpha, zulu]'))).toThrow(/unknown team "zulu"/);
    expect(() => config(yaml.replace('id: ci', 'id: db'))).toThrow(/duplicate capability id "db"/);
    expect(() => config(yaml.replace('usage: [{ services: ["Cloud SQL*"] }]', 'usage: [{}]'))).toThrow(/a usage entry needs at least one key/);
  });
});

describe('allot report value', () => {
  it('writes the review (HTML with inline charts, Markdown, JSON, PNGs) and prints each capability', async () => {
    await seed();
    const dbPath = store.path;
    store.close();
    const dir = mkdtempSync(join(tmpdir(), 'allot-review-'));
    const cfg = join(dir, 'allot.yaml');
    writeFileSync(cfg, yaml);
    const r = await allot(['--db', dbPath, '--config', cfg, 'report', 'value', '--period', P, '--out', join(dir, 'out')]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^In 2026-10, 3 of 3 teams used at least one of 3 platform capabilities; teams were charged \$1,140 through them: Kubernetes \$1,000 /);
    expect(lines.find((l) => l.startsWith('Managed database'))).toMatch(/^Managed database\s+1 of 2 \(50\.00%\)\s+n\/a\s+80\.00\s+120\.00\s+40\.00\s+16\.00 to 80\.00$/);
    expect(r.stdout).toContain('Shared charges outside any capability: 225.00 of 350.00');
    expect(r.stdout).toContain('NPS: not measured');
    expect(readdirSync(join(dir, 'out')).sort()).toEqual(['value-2026-10-adoption.png', 'value-2026-10-spend.png', 'value-2026-10.html', 'value-2026-10.json', 'value-2026-10.md']);
    const json = JSON.parse(readFileSync(join(dir, 'out', 'value-2026-10.json'), 'utf8'));
    expect(json.capabilities.map((c: { id: string }) => c.id)).toEqual(['kubernetes', 'ci', 'db']);
    store = await tempStore(); // afterEach closes it
  });
});

describe('adoption from stored runs', () => {
  it('five months of runs: a team that stops and comes back, one that joins and leaves, keep rate with keep_rate_days 60', async () => {
    const cfg = config(`
teams:
  - { id: alpha, name: Alpha, cost_center: CC-A, gl_account: "6100" }
  - { id: bravo, name: Bravo, cost_center: CC-B, gl_account: "6200" }
  - { id: charlie, name: Charlie, cost_center: CC-C, gl_account: "6300" }
value_model:
  keep_rate_days: 60
  engineer_hourly_rate: { low: 50, base: 100, high: 150, source: "test: rate" }
capabilities:
  - id: ci
    name: CI runners
    usage: [{ services: ["CI Runners"] }]
    self_managed: { model: items, items: [{ name: Plan, per: team_month, low: 20, base: 30, high: 50, source: "test: plan" }] }
`);
    const months: [string, string[]][] = [
      ['2026-01', ['alpha', 'bravo']],
      ['2026-02', ['alpha', 'bravo', 'charlie']],
      ['2026-03', ['alpha', 'charlie']], // bravo stops
      ['2026-04', ['alpha', 'bravo', 'charlie']], // bravo comes back
      ['2026-05', ['alpha', 'bravo']], // charlie stops
    ];
    for (const [i, [period, users]] of months.entries()) {
      // every team has other cost; users also run CI for 10.00 + 1.00 per month index
      await addItems(store, period, [
        ...['alpha', 'bravo', 'charlie'].map((t) => ({ cost: '50.00', service: 'Compute', tags: { team: t } })),
        ...users.map((t) => ({ cost: `${10 + i}.00`, service: 'CI Runners', tags: { team: t } })),
      ], i + 1);
      await attribute(store, cfg, period);
    }
    const r = await buildValueReport(store, cfg.config, '2026-05');
    const ci = r.capabilities[0]!;
    // Keep rate base: first use ≥ 60 days before the month's end.
    //   alpha, bravo (January): 31, 59, 90 days by the end of Jan, Feb, Mar; charlie (February): 59 by March, 89 by April.
    expect(ci.adoption.map((a) => [a.period, a.users, a.market_share_pct, a.new_adopters, a.returned, a.stopped, a.kept, a.keep_base, a.keep_rate_pct])).toEqual([
      ['2026-01', 2, '66.67', [], [], [], 0, 0, 'n/a'], // first month on record
      ['2026-02', 3, '100.00', ['charlie'], [], [], 0, 0, 'n/a'],
      ['2026-03', 2, '66.67', [], [], ['bravo'], 1, 2, '50.00'], // of alpha, bravo: alpha
      ['2026-04', 3, '100.00', [], ['bravo'], [], 3, 3, '100.00'],
      ['2026-05', 2, '66.67', [], [], ['charlie'], 2, 3, '66.67'], // of alpha, bravo, charlie: alpha, bravo
    ]);
    // Spend through CI: users × (10 + month index); value = users × 30 − spend
    expect(ci.trend.map((t) => [t.period, t.spend, t.value?.base])).toEqual([
      ['2026-01', '20.00', '40.00'],
      ['2026-02', '33.00', '57.00'],
      ['2026-03', '24.00', '36.00'],
      ['2026-04', '39.00', '51.00'],
      ['2026-05', '28.00', '32.00'],
    ]);
    expect(ci.current).toMatchObject({ period: '2026-05', eligible: 3, users: 2 });
    // Only CI charges count: the 150.00 of Compute each month is in no capability
    expect(ci.platform_cost).toBe('28.00');
    expect(r.organisation.platform_cost).toBe('28.00');
  });
});
