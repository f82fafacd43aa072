import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { attribute } from '../../src/allocate/run.ts';
import { tieOut } from '../../src/allocate/tieout.ts';
import type { Store } from '../../src/store/db.ts';
import { addItems, addSnapshot, config, rows, tempStore } from './fixture.ts';

// A run classifies classes (line items equal in every column the rules read)
// and keeps the sums that do not depend on the rules; these tests show that
// what it keeps never changes a cent: each kept run equals a run of a store
// that never kept anything.

const P = '2026-10';
const base = (rules: string) =>
  config(`
team_tag_keys: [team]
teams:
  - { id: alpha, name: Alpha, cost_center: CC-A, gl_account: "6100", accounts: ["111"] }
  - { id: bravo, name: Bravo, cost_center: CC-B, gl_account: "6200", accounts: ["222"] }
shared_pools: [{ id: platform, name: Platform }]
clusters:
  - { id: prod, match: { tags: { "eks:cluster-name": prod } }, system_namespaces: [kube-system], system_pool: platform }
${rules}
`);
const before = base('rules: []');
const after = base('rules: [{ match: { service_name: "Amazon S3" }, team: bravo }]');

async function fill(store: Store): Promise<void> {
  await addItems(store, P, [
    // Three line items of one class: one resource, hour after hour.
    { cost: '1.10', service: 'Amazon S3', resource: 'bucket-a', tags: { team: 'alpha' }, account: '111', day: 1 },
    { cost: '1.20', service: 'Amazon S3', resource: 'bucket-a', tags: { team: 'alpha' }, account: '111', day: 2 },
    { cost: '1.30', service: 'Amazon S3', resource: 'bucket-a', tags: { team: 'alpha' }, account: '111', day: 3 },
    { cost: '20.00', service: 'Amazon EC2', tags: { 'eks:cluster-name': 'prod' }, account: '222' },
    { cost: '5.00', service: 'Amazon RDS', account: '222' },
  ]);
  await addSnapshot(store, {
    cluster: 'prod', ts: '2026-10-01T00:00:00Z', hours: 720, nodes: [{ cpu: 4, memGiB: 16 }],
    pods: [{ ns: 'alpha-web', cpuReq: 1, memReqGiB: 4 }, { ns: 'kube-system', cpuReq: 1, memReqGiB: 4 }],
    namespaces: { 'alpha-web': { team: 'alpha' } },
  });
}

let store: Store;
let fresh: Store;
beforeEach(async () => {
  store = await tempStore();
  fresh = await tempStore();
});
afterEach(() => {
  store.close();
  fresh.close();
});

describe('re-attribution keeps what does not depend on the rules', () => {
  it('a rule change re-attributes from the kept sums, to the cent of a run that kept nothing', async () => {
    await fill(store);
    const first = await attribute(store, before, P);
    expect(first.inputs).toEqual({ classes: 3, kept: { classes: false, snapshots: false } });
    expect(first.lineItems).toBe(5);

    const second = await attribute(store, after, P);
    expect(second.inputs).toEqual({ classes: 3, kept: { classes: true, snapshots: true } });
    expect(second.lineItems).toBe(5);
    expect(await rows(store, second.runId)).toMatchObject({ 'bravo/direct/Amazon S3/USD': '3.60', 'bravo/direct/Amazon RDS/USD': '5.00' });

    await fill(fresh);
    const baseline = await attribute(fresh, after, P);
    expect(baseline.inputs.kept).toEqual({ classes: false, snapshots: false });
    expect(await rows(store, second.runId)).toEqual(await rows(fresh, baseline.runId));
    expect(second.totals).toEqual(baseline.totals);
  });

  it('new line items, or rows superseded, are summed again; the kept sums are never used for other rows', async () => {
    await fill(store);
    await attribute(store, before, P);
    await addItems(store, P, [{ cost: '0.40', service: 'Amazon S3', resource: 'bucket-a', tags: { team: 'alpha' }, account: '111', day: 4 }], 2);
    const more = await attribute(store, before, P);
    expect(more.inputs).toEqual({ classes: 3, kept: { classes: false, snapshots: true } });
    expect(more.lineItems).toBe(6);
    expect(await rows(store, more.runId)).toMatchObject({ 'alpha/direct/Amazon S3/USD': '4.00' });

    // A delivery superseding import 2's rows: back to the first sums.
    await store.run(`UPDATE line_items SET superseded_by = 99 WHERE import_id = 2`);
    const fewer = await attribute(store, before, P);
    expect(fewer.inputs.kept.classes).toBe(false);
    expect(fewer.lineItems).toBe(5);
    expect(await rows(store, fewer.runId)).toMatchObject({ 'alpha/direct/Amazon S3/USD': '3.60' });
  });

  it('a new snapshot is summed again', async () => {
    await fill(store);
    const one = await attribute(store, before, P);
    await addSnapshot(store, { cluster: 'prod', ts: '2026-10-15T00:00:00Z', hours: 1, nodes: [{ cpu: 4, memGiB: 16 }], pods: [{ ns: 'alpha-web', cpuReq: 4, memReqGiB: 16 }] }, 101);
    const two = await attribute(store, before, P);
    expect(two.inputs.kept).toEqual({ classes: true, snapshots: false });
    expect(await rows(store, two.runId)).not.toEqual(await rows(store, one.runId));
    await fill(fresh);
    await addSnapshot(fresh, { cluster: 'prod', ts: '2026-10-15T00:00:00Z', hours: 1, nodes: [{ cpu: 4, memGiB: 16 }], pods: [{ ns: 'alpha-web', cpuReq: 4, memReqGiB: 16 }] }, 101);
    expect(await rows(store, two.runId)).toEqual(await rows(fresh, (await attribute(fresh, before, P)).runId));
  });

  it("a run's line items and their owners stay those it read, line item by line item", async () => {
    await fill(store);
    const run = await attribute(store, before, P);
    await addItems(store, P, [{ cost: '0.40', service: 'Amazon S3', resource: 'bucket-a', tags: { team: 'alpha' }, account: '111', day: 4 }], 2);
    const owners = await store.all<{ n: number; cost: string }>(
      `SELECT count(*)::INTEGER AS n, sum(l.effective_cost)::DECIMAL(38,2)::VARCHAR AS cost
       FROM line_item_owners o JOIN line_items l USING (li_id) WHERE o.run_id = $1 AND o.target_id = 'alpha'`,
      [run.runId],
    );
    expect(owners).toEqual([{ n: 3, cost: '3.60' }]);
  });

  it('the tie-out keeps its sums while the line items are unchanged, and follows them when they change', async () => {
    await fill(store);
    expect((await tieOut(store, P)).lines.map((l) => l.stored)).toEqual(['28.600000000000']);
    expect((await store.all(`SELECT count(*)::INTEGER AS n FROM input_facts`))[0]).toEqual({ n: 4 });
    expect((await tieOut(store, P)).lines.map((l) => l.stored)).toEqual(['28.600000000000']);
    await addItems(store, P, [{ cost: '0.40', account: '111' }], 2);
    expect((await tieOut(store, P)).lines.map((l) => l.stored)).toEqual(['29.000000000000']);
  });
});
