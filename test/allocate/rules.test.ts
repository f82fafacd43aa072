import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { attribute } from '../../src/allocate/run.ts';
import { chargebackRows } from '../../src/model/chargeback.ts';
import { renderChargebackCsv } from '../../src/render/chargeback-csv.ts';
import type { Store } from '../../src/store/db.ts';
import { addItems, addSnapshot, config, rows, tempStore } from './fixture.ts';

// Every expected cent below is worked out by hand from the contract
// (shared/design/allocation.md); the comments show the arithmetic.

const P = '2026-10';
const TEAMS = `
teams:
  - { id: alpha, name: Alpha, cost_center: CC-A, gl_account: "6100", mode: chargeback, aliases: [al, "Team A"], accounts: ["111"] }
  - { id: bravo, name: Bravo, cost_center: CC-B, gl_account: "6200", accounts: ["222"] }
  - { id: charlie, name: Charlie, cost_center: CC-C, gl_account: "6300" }
  - { id: delta, name: Delta, cost_center: CC-D, gl_account: "6400", receives_shared: false }
`;

let store: Store;
beforeEach(async () => {
  store = await tempStore();
});
afterEach(() => store.close());

async function reasons(runId: number): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const r of await store.all<{ reason: string; amount: string }>(
    `SELECT reason, sum(amount)::DECIMAL(38,2)::VARCHAR AS amount FROM allocation_lineage
     WHERE run_id = $1 AND target_kind = 'unallocated' GROUP BY reason ORDER BY reason`, [runId])) out[r.reason] = r.amount;
  return out;
}

describe('Step 1: classification precedence', () => {
  const cfg = config(`
team_tag_keys: [team, owner]
${TEAMS}
shared_pools: [{ id: platform, name: Platform }]
clusters:
  - { id: prod, match: { tags: { "eks:cluster-name": prod } } }
rules:
  - { name: search service, match: { service_name: "Amazon Open*", tags: { env: "prod*" } }, team: charlie }
  - { match: { charge_category: Tax }, shared: platform }
`);

  it('explicit rule > cluster > team tag > account > no owner', async () => {
    await addItems(store, P, [
      // rule 0 matches (glob on service, glob on tag) even though tagged for alpha, in bravo's account
      { cost: '10.00', service: 'Amazon OpenSearch', tags: { env: 'prod-eu', team: 'alpha', 'eks:cluster-name': 'prod' }, account: '222' },
      // same service, env tag does not match the rule: cluster match wins over the team tag
      { cost: '20.00', service: 'Amazon OpenSearch', tags: { env: 'dev', team: 'alpha', 'eks:cluster-name': 'prod' } },
      // team tag beats the account owner
      { cost: '30.00', tags: { team: 'alpha' }, account: '222' },
      // no tag: the account owner
      { cost: '40.00', account: '222' },
      // nothing: unallocated, "no owner"
      { cost: '50.00', account: '999' },
    ]);
    const r = await attribute(store, cfg, P);
    const byDetail = await store.all<{ detail: string; target_kind: string; target_id: string }>(
      `SELECT o.detail, o.target_kind, o.target_id FROM line_item_owners o JOIN line_items l USING (li_id)
       WHERE o.run_id = $1 ORDER BY l.source_line`, [r.runId]);
    expect(byDetail).toEqual([
      { detail: 'rules[0] "search service"', target_kind: 'team', target_id: 'charlie' },
      { detail: 'clusters[0].match (prod)', target_kind: 'cluster', target_id: 'prod' },
      { detail: 'tag team=alpha', target_kind: 'team', target_id: 'alpha' },
      { detail: 'account 222', target_kind: 'team', target_id: 'bravo' },
      { detail: 'no rule, cluster, tag or account', target_kind: 'unallocated', target_id: null },
    ]);
    // The cluster has no snapshots: its pool stays visible as unallocated.
    expect(await rows(store, r.runId)).toEqual({
      'alpha/direct/Compute/USD': '30.00',
      'bravo/direct/Compute/USD': '40.00',
      'charlie/direct/Amazon OpenSearch/USD': '10.00',
      'unallocated/unallocated/Compute/USD': '50.00',
      'unallocated/unallocated/Kubernetes (prod)/USD': '20.00',
    });
    expect(await reasons(r.runId)).toEqual({ 'no owner': '50.00', 'no usage data for cluster prod': '20.00' });
  });

  it('team tags: first configured key present decides; ids and aliases case-insensitive; unknown values are unallocated', async () => {
    await addItems(store, P, [
      { cost: '1.00', tags: { team: 'AL' } }, // alias, other case
      { cost: '2.00', tags: { team: 'team a' } }, // alias with a space
      { cost: '4.00', tags: { owner: 'Bravo' } }, // second key
      { cost: '8.00', tags: { team: '', owner: 'charlie' } }, // empty value counts as absent
      { cost: '16.00', tags: { team: 'ghost', owner: 'alpha' } }, // first key present decides, even if unknown
      { cost: '32.00', tags: { Team: 'alpha' } }, // keys are case-sensitive: no owner
    ]);
    const r = await attribute(store, cfg, P);
    expect(await rows(store, r.runId)).toEqual({
      'alpha/direct/Compute/USD': '3.00',
      'bravo/direct/Compute/USD': '4.00',
      'charlie/direct/Compute/USD': '8.00',
      'unallocated/unallocated/Compute/USD': '48.00',
    });
    expect(await reasons(r.runId)).toEqual({ 'no owner': '32.00', 'unknown team "ghost" in tag team': '16.00' });
  });

  it('a rule may send cost to a cluster; a node matches its cluster by provider id', async () => {
    const c = config(`
${TEAMS}
clusters: [{ id: prod, idle: unallocated }]
rules: [{ match: { sub_account_id: "333" }, cluster: prod }]
`);
    await addItems(store, P, [
      { cost: '10.00', account: '333' },
      { cost: '30.00', resource: 'arn:aws:ec2:eu-west-1:444:instance/i-0abc' },
    ]);
    await addSnapshot(store, { cluster: 'prod', ts: `${P}-01 00:00:00`, nodes: [{ cpu: 4, memGiB: 16, providerId: 'aws:///eu-west-1a/i-0abc' }], pods: [{ ns: 'alpha', cpuReq: 4, memReqGiB: 16 }] });
    const r = await attribute(store, c, P);
    // Both line items enter the pool; the one pod requests the whole node, and its namespace has no label.
    expect(await rows(store, r.runId)).toEqual({ 'unallocated/unallocated/Kubernetes (prod)/USD': '40.00' });
    expect(await reasons(r.runId)).toEqual({ 'namespace alpha in prod has no owner': '40.00' });
  });
});

describe('Step 2: cluster split', () => {
  // One node, 4 cores and 16 GiB for one hour; prices 4 per core-hour and 1 per
  // GiB-hour make K_cpu·p_cpu = 16 = K_mem·p_mem, so w = 1/2: C_cpu = C_mem = 500.
  const clusterCfg = (idle: string) => config(`
namespace_team_labels: [team]
${TEAMS}
shared_pools: [{ id: platform, name: Platform }]
clusters:
  - id: prod
    match: { tags: { cluster: prod } }
    system_namespaces: [kube-system]
    system_pool: platform
    idle: ${idle}
    prices: { cpu_core_hour: 4, memory_gib_hour: 1 }
`);
  const pods = [
    // alpha: cpu max(1, 0.5) = 1, mem max(4, 6) = 6
    { ns: 'alpha-ns', cpuReq: 1, cpuUse: 0.5, memReqGiB: 4, memUseGiB: 6 },
    // bravo: cpu max(1, 2) = 2, mem 2 (no usage figure: the request counts)
    { ns: 'bravo-ns', cpuReq: 1, cpuUse: 2, memReqGiB: 2 },
  ];
  const namespaces = { 'alpha-ns': { team: 'alpha' }, 'bravo-ns': { team: 'Bravo' } };

  async function setup(idle: string) {
    await addItems(store, P, [{ cost: '1000.00', tags: { cluster: 'prod' } }]);
    await addSnapshot(store, { cluster: 'prod', ts: `${P}-02 00:00:00`, nodes: [{ cpu: 4, memGiB: 16 }], pods, namespaces });
    return attribute(store, clusterCfg(idle), P);
  }

  it('namespace cost uses max(request, usage); idle proportional follows the namespace owner', async () => {
    const r = await setup('proportional');
    // ΣU_cpu = 3 of K 4; ΣU_mem = 8 of K 16.
    // alpha: 500·1/4 + 500·6/16 = 125 + 187.50 = 312.50; bravo: 500·2/4 + 500·2/16 = 250 + 62.50 = 312.50
    // idle: cpu 500·(1−3/4) = 125, mem 500·(1−8/16) = 250
    // alpha idle: 125·1/3 + 250·6/8 = 41.6667 + 187.50 = 229.1667 → 229.17
    // bravo idle: 125·2/3 + 250·2/8 = 83.3333 + 62.50 = 145.8333 → 145.83
    expect(await rows(store, r.runId)).toEqual({
      'alpha/idle/Kubernetes (prod)/USD': '229.17',
      'alpha/kubernetes/Kubernetes (prod)/USD': '312.50',
      'bravo/idle/Kubernetes (prod)/USD': '145.83',
      'bravo/kubernetes/Kubernetes (prod)/USD': '312.50',
    });
    const stats = await store.one(`SELECT cpu_cost::VARCHAR AS c, mem_cost::VARCHAR AS m, idle_cost::DECIMAL(38,2)::VARCHAR AS i,
      cpu_used_core_hours::VARCHAR AS u FROM cluster_stats WHERE run_id = $1`, [r.runId]);
    expect(stats).toEqual({ c: '500.000000000000', m: '500.000000000000', i: '375.00', u: '3.000000' });
    const ns = await store.all(`SELECT namespace, owner_id, cpu_request_core_hours AS cr, cpu_usage_core_hours AS cu,
      mem_request_gib_hours AS mr, mem_usage_gib_hours AS mu, cpu_charged_core_hours AS cc, has_usage_data AS h,
      cost::DECIMAL(38,2)::VARCHAR AS cost, idle_cost::DECIMAL(38,2)::VARCHAR AS idle FROM namespace_stats WHERE run_id = $1 ORDER BY 1`, [r.runId]);
    expect(ns).toEqual([
      { namespace: 'alpha-ns', owner_id: 'alpha', cr: '1.000000', cu: '0.500000', mr: '4.000000', mu: '6.000000', cc: '1.000000', h: true, cost: '312.50', idle: '229.17' },
      { namespace: 'bravo-ns', owner_id: 'bravo', cr: '1.000000', cu: '2.000000', mr: '2.000000', mu: '0.000000', cc: '2.000000', h: true, cost: '312.50', idle: '145.83' },
    ]);
  });

  it('idle "platform" goes to the system pool and is then shared', async () => {
    const r = await setup('platform');
    // idle 375 → platform; shared proportionally to 312.50 : 312.50 → 187.50 each
    expect(await rows(store, r.runId)).toEqual({
      'alpha/kubernetes/Kubernetes (prod)/USD': '312.50',
      'alpha/shared/Platform/USD': '187.50',
      'bravo/kubernetes/Kubernetes (prod)/USD': '312.50',
      'bravo/shared/Platform/USD': '187.50',
    });
  });

  it('idle "unallocated" stays visible as unallocated', async () => {
    const r = await setup('unallocated');
    expect(await rows(store, r.runId)).toEqual({
      'alpha/kubernetes/Kubernetes (prod)/USD': '312.50',
      'bravo/kubernetes/Kubernetes (prod)/USD': '312.50',
      'unallocated/unallocated/Kubernetes (prod)/USD': '375.00',
    });
    expect(await reasons(r.runId)).toEqual({ 'idle in cluster prod (idle policy unallocated)': '375.00' });
  });

  it('usage above capacity is split by max(K, ΣU): no idle', async () => {
    await addItems(store, P, [{ cost: '800.00', tags: { cluster: 'prod' } }]);
    await addSnapshot(store, {
      cluster: 'prod', ts: `${P}-02 00:00:00`, nodes: [{ cpu: 4, memGiB: 16 }], namespaces,
      // cpu: alpha 6, bravo 2 → ΣU 8 > K 4; mem: 8 + 8 = 16 = K
      pods: [{ ns: 'alpha-ns', cpuReq: 1, cpuUse: 6, memReqGiB: 8 }, { ns: 'bravo-ns', cpuReq: 2, memReqGiB: 8 }],
    });
    const r = await attribute(store, clusterCfg('proportional'), P);
    // C_cpu = C_mem = 400. alpha: 400·6/8 + 400·8/16 = 300 + 200 = 500; bravo: 100 + 200 = 300
    expect(await rows(store, r.runId)).toEqual({
      'alpha/kubernetes/Kubernetes (prod)/USD': '500.00',
      'bravo/kubernetes/Kubernetes (prod)/USD': '300.00',
    });
  });

  it('system namespaces go to the system pool; unowned namespaces are unallocated; explicit ownership beats labels', async () => {
    const c = config(`
${TEAMS.replace('accounts: ["222"] }', 'accounts: ["222"], namespaces: [shared-batch] }')}
shared_pools: [{ id: platform, name: Platform, strategy: fixed, weights: { charlie: 1 } }]
clusters:
  - { id: prod, match: { tags: { cluster: prod } }, system_namespaces: [kube-system], system_pool: platform, idle: unallocated, prices: { cpu_core_hour: 4, memory_gib_hour: 1 } }
`);
    await addItems(store, P, [{ cost: '160.00', tags: { cluster: 'prod' } }]);
    await addSnapshot(store, {
      cluster: 'prod', ts: `${P}-02 00:00:00`, nodes: [{ cpu: 4, memGiB: 16 }],
      namespaces: { 'shared-batch': { team: 'alpha' }, orphan: { app: 'x' } },
      // each namespace uses a quarter of both resources: 40.00 each
      pods: [
        { ns: 'kube-system', cpuReq: 1, memReqGiB: 4 },
        { ns: 'shared-batch', cpuReq: 1, memReqGiB: 4 },
        { ns: 'orphan', cpuReq: 1, memReqGiB: 4 },
        { ns: 'alpha-ns', cpuReq: 1, memReqGiB: 4 },
      ],
    });
    const r = await attribute(store, c, P);
    expect(await rows(store, r.runId)).toEqual({
      'bravo/kubernetes/Kubernetes (prod)/USD': '40.00',
      'charlie/shared/Platform/USD': '40.00',
      'unallocated/unallocated/Kubernetes (prod)/USD': '80.00',
    });
    expect(await reasons(r.runId)).toEqual({
      'namespace alpha-ns in prod has no owner': '40.00',
      'namespace orphan in prod has no owner': '40.00',
    });
  });

  it('a cluster without usage data, and one with no usage at all, are unallocated with their reasons', async () => {
    const c = config(`
${TEAMS}
clusters:
  - { id: prod, match: { tags: { cluster: prod } } }
  - { id: empty, match: { tags: { cluster: empty } } }
`);
    await addItems(store, P, [{ cost: '70.00', tags: { cluster: 'prod' } }, { cost: '30.00', tags: { cluster: 'empty' } }]);
    // "empty" has nodes but no pods: ΣU = 0, everything is idle with nobody to take it.
    await addSnapshot(store, { cluster: 'empty', ts: `${P}-03 00:00:00`, nodes: [{ cpu: 2, memGiB: 8 }], pods: [] });
    const r = await attribute(store, c, P);
    expect(await reasons(r.runId)).toEqual({ 'no usage data for cluster prod': '70.00', 'no usage in cluster empty': '30.00' });
  });
});

describe('Step 3: shared pools', () => {
  const shared = (pool: string) => config(`
${TEAMS}
shared_pools: [${pool}]
rules: [{ match: { charge_category: Tax }, shared: p }]
`);
  // Direct cost: alpha 300, bravo 100, charlie −50 (a credit), delta 200 (receives no share).
  const direct = [
    { cost: '300.00', tags: { team: 'alpha' } },
    { cost: '100.00', tags: { team: 'bravo' } },
    { cost: '-50.00', tags: { team: 'charlie' }, category: 'Credit' },
    { cost: '200.00', tags: { team: 'delta' } },
    { cost: '100.00', category: 'Tax', service: 'Tax' },
  ];

  it('proportional: by direct + kubernetes + idle; a negative total counts as 0; receives_shared: false is skipped', async () => {
    await addItems(store, P, direct);
    const r = await attribute(store, shared('{ id: p, name: Pool }'), P);
    // weights 300 : 100 : 0 → 75.00, 25.00
    const got = await rows(store, r.runId);
    expect([got['alpha/shared/Pool/USD'], got['bravo/shared/Pool/USD'], got['charlie/shared/Pool/USD'], got['delta/shared/Pool/USD']])
      .toEqual(['75.00', '25.00', undefined, undefined]);
    expect(got['charlie/direct/Compute/USD']).toBe('-50.00');
  });

  it('even: equal among receiving teams, remainder cent by largest remainder then team id', async () => {
    await addItems(store, P, direct);
    const r = await attribute(store, shared('{ id: p, name: Pool, strategy: even }'), P);
    // 100 / 3 = 33.333…: the residual 10^-12 goes to alpha (first by id), so alpha rounds up
    const got = await rows(store, r.runId);
    expect([got['alpha/shared/Pool/USD'], got['bravo/shared/Pool/USD'], got['charlie/shared/Pool/USD']]).toEqual(['33.34', '33.33', '33.33']);
  });

  it('fixed: by configured weights, normalised; teams that receive no share are skipped', async () => {
    await addItems(store, P, direct);
    const r = await attribute(store, shared('{ id: p, name: Pool, strategy: fixed, weights: { alpha: 2, bravo: 1, delta: 5 } }'), P);
    // 2 : 1 → 66.666… → 66.67, 33.33
    const got = await rows(store, r.runId);
    expect([got['alpha/shared/Pool/USD'], got['bravo/shared/Pool/USD'], got['delta/shared/Pool/USD']]).toEqual(['66.67', '33.33', undefined]);
  });

  it('a pool with no eligible receiver is unallocated', async () => {
    await addItems(store, P, direct);
    const r = await attribute(store, shared('{ id: p, name: Pool, strategy: fixed, weights: { delta: 1 } }'), P);
    expect(await reasons(r.runId)).toEqual({ 'no receiver for pool p': '100.00' });
  });

  it('proportional with every weight 0 falls back to even', async () => {
    await addItems(store, P, [{ cost: '-5.00', tags: { team: 'alpha' } }, { cost: '90.00', category: 'Tax' }]);
    const r = await attribute(store, shared('{ id: p, name: Pool }'), P);
    const got = await rows(store, r.runId);
    expect([got['alpha/shared/Compute/USD'], got['alpha/shared/Pool/USD'], got['bravo/shared/Pool/USD'], got['charlie/shared/Pool/USD']])
      .toEqual([undefined, '30.00', '30.00', '30.00']);
  });
});

describe('Step 4: rounding and reconciliation', () => {
  const cfg = config(TEAMS);

  it('rounded rows sum exactly to the rounded bill (largest remainder, ties by team id)', async () => {
    await addItems(store, P, [
      { cost: '0.005', tags: { team: 'alpha' } },
      { cost: '0.005', tags: { team: 'bravo' } },
      { cost: '0.005', tags: { team: 'charlie' } },
    ]);
    const r = await attribute(store, cfg, P);
    // bill 0.015 → 0.02; every row floors to 0.00 with remainder 0.5; two units go to alpha, bravo
    expect(await rows(store, r.runId)).toEqual({
      'alpha/direct/Compute/USD': '0.01',
      'bravo/direct/Compute/USD': '0.01',
      'charlie/direct/Compute/USD': '0.00',
    });
    expect(r.totals[0]).toMatchObject({ currency: 'USD', bill_rounded: '0.020000', allocated_rounded: '0.020000', ok: true });
  });

  it('negative rows and two currencies each reconcile on their own', async () => {
    await addItems(store, P, [
      { cost: '10.004', tags: { team: 'alpha' } },
      { cost: '-3.333', tags: { team: 'alpha' }, service: 'Refund' },
      { cost: '5.555', tags: { team: 'bravo' }, currency: 'EUR' },
      { cost: '-1.111', currency: 'EUR' },
    ]);
    const r = await attribute(store, cfg, P);
    // USD: 6.671 → 6.67. Floors 10.00 (rem .4) and −3.34 (rem .667): one unit to the refund.
    // EUR: 4.444 → 4.44. Floors 5.55 (rem .5) and −1.12 (rem .889): one unit to −1.12.
    expect(await rows(store, r.runId)).toEqual({
      'alpha/direct/Compute/USD': '10.00',
      'alpha/direct/Refund/USD': '-3.33',
      'bravo/direct/Compute/EUR': '5.55',
      'unallocated/unallocated/Compute/EUR': '-1.11',
    });
    expect(r.totals.map((t) => [t.currency, t.bill_rounded, t.allocated_rounded])).toEqual([
      ['EUR', '4.440000', '4.440000'],
      ['USD', '6.670000', '6.670000'],
    ]);
  });

  it('the cost measure is configurable', async () => {
    await addItems(store, P, [{ cost: '7.00', billed: '0.00', list: '9.00', tags: { team: 'alpha' } }]);
    const billed = await attribute(store, config(`cost_metric: BilledCost\n${TEAMS}`), P);
    const list = await attribute(store, config(`cost_metric: ListCost\n${TEAMS}`), P);
    expect(await rows(store, billed.runId)).toEqual({ 'alpha/direct/Compute/USD': '0.00' });
    expect(await rows(store, list.runId)).toEqual({ 'alpha/direct/Compute/USD': '9.00' });
  });

  it('re-running on the same inputs gives a byte-identical CSV', async () => {
    await addItems(store, P, [
      { cost: '123.456789', tags: { team: 'alpha' } },
      { cost: '0.333333', tags: { team: 'bravo' } },
    ]);
    const a = await attribute(store, cfg, P);
    const b = await attribute(store, cfg, P);
    expect(a.runId).not.toBe(b.runId);
    const csvA = renderChargebackCsv(await chargebackRows(store, a.runId));
    const csvB = renderChargebackCsv(await chargebackRows(store, b.runId));
    expect(csvB).toBe(csvA);
    expect(csvA).toBe(
      'period,team_id,team_name,cost_center,gl_account,mode,charge_type,service,currency,amount,line_items\r\n' +
        '2026-10,alpha,Alpha,CC-A,6100,chargeback,direct,Compute,USD,123.46,1\r\n' +
        '2026-10,bravo,Bravo,CC-B,6200,showback,direct,Compute,USD,0.33,1\r\n',
    );
  });
});
