// `allot explain`: every row of a team's chargeback explained by its lineage,
// the clusters and shared pools behind it, and the largest line items.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { explain } from '../../src/explain/explain.ts';
import { sumDecimals } from '../../src/util/decimal.ts';
import { buildOrg, PERIOD, type Org } from '../render/team.fixture.ts';

let org: Org;
beforeAll(async () => {
  org = await buildOrg();
});
afterAll(() => org.store.close());

describe('explain', () => {
  it("adds up: each row's bases sum to its exact amount, the rows to the totals", async () => {
    const e = await explain(org.store, PERIOD, 'payments');
    expect(e).toMatchObject({ period: PERIOD, run_id: org.runs.current, team_id: 'payments', team_name: 'Payments' });
    for (const r of e.rows) {
      expect(sumDecimals(r.bases.map((b) => b.amount), 6), `${r.charge_type} ${r.service}`).toBe(sumDecimals([r.amount_exact], 6));
    }
    expect(e.totals.map((t) => t.currency)).toEqual(['USD']);
    expect(sumDecimals(e.rows.map((r) => r.amount), 2)).toBe(sumDecimals([e.totals[0]!.amount], 2));
  });

  it('names the shared pool it receives from, with its weight, the pool total and what fed the pool', async () => {
    const e = await explain(org.store, PERIOD, 'payments');
    expect(e.pools.map((p) => p.pool)).toEqual(['platform']);
    const p = e.pools[0]!;
    // What fed the pool sums to its total; the team's weight is part of all receivers'.
    expect(sumDecimals(p.inputs.map((i) => i.amount), 6)).toBe(sumDecimals([p.total], 6));
    expect(p.inputs.map((i) => i.basis).sort()).toEqual([...new Set(p.inputs.map((i) => i.basis))].sort());
    expect(Number(p.team_weight)).toBeGreaterThan(0);
    expect(Number(p.team_weight)).toBeLessThan(Number(p.total_weight));
    expect(e.clusters.map((c) => c.cluster)).toEqual(['prod-eu']);
  });

  it('lists the largest line items first, each with its file line and what matched it', async () => {
    const e = await explain(org.store, PERIOD, 'payments', { top: 3 });
    expect(e.largest_line_items).toHaveLength(3);
    const costs = e.largest_line_items.map((l) => Math.abs(Number(l.cost)));
    expect(costs).toEqual([...costs].sort((a, b) => b - a));
    expect(e.largest_line_items[0]).toMatchObject({ service: 'Amazon RDS', cost: '1200.000000000000', matched_by: 'tag team=payments' });
  });

  it('a team without cost, or a run of another period, is an error naming what there is', async () => {
    await expect(explain(org.store, PERIOD, 'nobody')).rejects.toThrow(/team "nobody" has no cost in 2026-10 \(run #\d+\); teams with cost: /);
    await expect(explain(org.store, PERIOD, 'payments', { runId: org.runs.previous })).rejects.toThrow(`no allocation run #${org.runs.previous} for period ${PERIOD}`);
  });
});
