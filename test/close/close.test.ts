import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { attribute } from '../../src/allocate/run.ts';
import { buildChargebackExport, closePeriod, reopenPeriod } from '../../src/close/close.ts';
import type { Store } from '../../src/store/db.ts';
import { addItems, config, rows, tempStore } from '../allocate/fixture.ts';

const cfg = config(`
teams:
  - { id: alpha, name: Alpha, cost_center: CC-A, gl_account: "6100", mode: chargeback }
  - { id: bravo, name: Bravo, cost_center: CC-B, gl_account: "6200" }
`);

let store: Store;
beforeEach(async () => {
  store = await tempStore();
});
afterEach(() => store.close());

/** A restated export: the new import's rows replace the old import's rows for the period. */
async function restate(period: string, oldImport: number, newImport: number, items: Parameters<typeof addItems>[2]) {
  await store.run('UPDATE line_items SET superseded_by = $1 WHERE import_id = $2', [newImport, oldImport]);
  await addItems(store, period, items, newImport);
}

describe('finance close', () => {
  it('a closed period never changes; a restatement becomes adjustment rows in the next open period', async () => {
    await addItems(store, '2026-09', [{ cost: '100.00', tags: { team: 'alpha' } }, { cost: '50.00', tags: { team: 'bravo' } }], 1);
    await attribute(store, cfg, '2026-09');
    const closed = await closePeriod(store, '2026-09', { actor: 'finance@example.com' });
    const before = await buildChargebackExport(store, '2026-09');
    expect(before.manifest).toMatchObject({ period: '2026-09', run_id: closed.run_id, rows: 2, closed: true, sha256: closed.csv_sha256 });
    expect(before.manifest.control_totals).toEqual([{ currency: 'USD', amount: '150.00' }]);

    // September is restated: alpha 100 → 112.34, bravo 50 → 45.00, and a new charge for bravo.
    await restate('2026-09', 1, 2, [
      { cost: '112.34', tags: { team: 'alpha' } },
      { cost: '45.00', tags: { team: 'bravo' } },
      { cost: '0.66', tags: { team: 'bravo' }, service: 'Storage' },
    ]);
    await expect(attribute(store, cfg, '2026-09')).rejects.toThrow(/period 2026-09 is closed \(run #1\)/);

    await addItems(store, '2026-10', [{ cost: '10.00', tags: { team: 'alpha' } }], 3);
    const oct = await attribute(store, cfg, '2026-10');
    expect(await rows(store, oct.runId)).toEqual({
      'alpha/adjustment/Compute (direct, 2026-09)/USD': '12.34',
      'alpha/direct/Compute/USD': '10.00',
      'bravo/adjustment/Compute (direct, 2026-09)/USD': '-5.00',
      'bravo/adjustment/Storage (direct, 2026-09)/USD': '0.66',
    });
    // The adjustments sum to the restatement: 158.00 − 150.00.
    expect(oct.totals[0]).toMatchObject({ bill_rounded: '18.000000', adjustments: '8.000000000000', allocated_rounded: '18.000000', ok: true });
    const adj = await store.all(`SELECT DISTINCT corrects_period FROM chargeback_rows WHERE run_id = $1 AND charge_type = 'adjustment'`, [oct.runId]);
    expect(adj).toEqual([{ corrects_period: '2026-09' }]);

    // The closed CSV is byte-identical.
    const after = await buildChargebackExport(store, '2026-09');
    expect(after.csv).toBe(before.csv);
    expect(after.manifest.sha256).toBe(before.manifest.sha256);

    // Re-attributing October books the same adjustments once, not twice.
    const again = await attribute(store, cfg, '2026-10');
    expect(await rows(store, again.runId)).toEqual(await rows(store, oct.runId));
  });

  it('once the adjusting period is closed too, only newer differences are booked later', async () => {
    await addItems(store, '2026-09', [{ cost: '100.00', tags: { team: 'alpha' } }], 1);
    await attribute(store, cfg, '2026-09');
    await closePeriod(store, '2026-09');
    await restate('2026-09', 1, 2, [{ cost: '110.00', tags: { team: 'alpha' } }]);
    await addItems(store, '2026-10', [{ cost: '1.00', tags: { team: 'bravo' } }], 3);
    await attribute(store, cfg, '2026-10');
    await closePeriod(store, '2026-10');
    // A second restatement of September: 110 → 115. November books only +5.
    await restate('2026-09', 2, 4, [{ cost: '115.00', tags: { team: 'alpha' } }]);
    await addItems(store, '2026-11', [{ cost: '2.00', tags: { team: 'bravo' } }], 5);
    const nov = await attribute(store, cfg, '2026-11');
    expect(await rows(store, nov.runId)).toEqual({
      'alpha/adjustment/Compute (direct, 2026-09)/USD': '5.00',
      'bravo/direct/Compute/USD': '2.00',
    });
  });

  it('a FOCUS correction arriving later for a closed period is adjusted, not rewritten', async () => {
    await addItems(store, '2026-09', [{ cost: '80.00', tags: { team: 'bravo' } }], 1);
    await attribute(store, cfg, '2026-09');
    await closePeriod(store, '2026-09');
    // The correction's charge period is September, so it belongs to 2026-09's line items.
    await addItems(store, '2026-09', [{ cost: '-3.21', tags: { team: 'bravo' }, category: 'Adjustment' }], 2);
    await addItems(store, '2026-10', [{ cost: '1.00', tags: { team: 'bravo' } }], 3);
    const oct = await attribute(store, cfg, '2026-10');
    expect((await rows(store, oct.runId))['bravo/adjustment/Compute (direct, 2026-09)/USD']).toBe('-3.21');
  });

  it('reopen needs a reason, is logged, and lets the period be attributed again', async () => {
    await addItems(store, '2026-09', [{ cost: '1.00', tags: { team: 'alpha' } }], 1);
    await attribute(store, cfg, '2026-09');
    await closePeriod(store, '2026-09', { actor: 'fin' });
    await expect(closePeriod(store, '2026-09')).rejects.toThrow(/already closed/);
    await expect(reopenPeriod(store, '2026-09', '  ')).rejects.toThrow(/needs --reason/);
    await reopenPeriod(store, '2026-09', 'duplicate invoice found', 'cfo');
    const run = await attribute(store, cfg, '2026-09');
    expect(run.runId).toBe(2);
    expect(await store.all(`SELECT period, action, run_id, reason, actor FROM period_close_log ORDER BY logged_at, action`)).toEqual([
      { period: '2026-09', action: 'close', run_id: 1, reason: null, actor: 'fin' },
      { period: '2026-09', action: 'reopen', run_id: 1, reason: 'duplicate invoice found', actor: 'cfo' },
    ]);
  });
});
