import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Store } from '../../src/store/db.ts';

describe('store schema', () => {
  it('upgrades an older file in place, keeping its data', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'allot-store-')), 'allot.duckdb');
    const fresh = await Store.open(file);
    expect(await fresh.schemaVersion()).toBe(5);
    // Make it a version-4 file with data in it: what Allot wrote before migration 005.
    await fresh.run(`INSERT INTO period_closes (period, run_id, status, csv_sha256, rows, control_totals, closed_at, closed_by)
                     VALUES ('2026-09', 1, 'closed', 'abc', 3, '[]', now()::TIMESTAMP, 'test')`);
    await fresh.run('DROP MACRO line_item_cost');
    await fresh.run('DELETE FROM schema_version WHERE version = 5');
    fresh.close();

    const old = await Store.open(file);
    expect(await old.schemaVersion()).toBe(5);
    expect(await old.all(`SELECT line_item_cost('BilledCost', 1.5, 2, 3)::VARCHAR AS b, line_item_cost('EffectiveCost', 1.5, 2, 3)::VARCHAR AS e,
                                 line_item_cost('ListCost', 1.5, 2, 3)::VARCHAR AS l`)).toEqual([{ b: '1.500000000000', e: '2.000000000000', l: '3.000000000000' }]);
    expect(await old.all(`SELECT period, status FROM period_closes`)).toEqual([{ period: '2026-09', status: 'closed' }]);
    old.close();
  });
});
