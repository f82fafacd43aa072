import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listMigrations, Store } from '../../src/store/db.ts';

const LATEST = listMigrations().at(-1)!.version;

describe('store schema', () => {
  it('upgrades an older file in place, keeping its data', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'allot-store-')), 'allot.duckdb');
    const fresh = await Store.open(file);
    expect(await fresh.schemaVersion()).toBe(LATEST);
    // Make it a version-4 file with data in it: what Allot wrote before migration 005.
    await fresh.run(`INSERT INTO period_closes (period, run_id, status, csv_sha256, rows, control_totals, closed_at, closed_by)
                     VALUES ('2026-09', 1, 'closed', 'abc', 3, '[]', now()::TIMESTAMP, 'test')`);
    await fresh.run('DROP MACRO line_item_cost');
    await fresh.run('DELETE FROM schema_version WHERE version >= 5');
    fresh.close();

    const old = await Store.open(file);
    expect(await old.schemaVersion()).toBe(LATEST);
    expect(await old.all(`SELECT line_item_cost('BilledCost', 1.5, 2, 3)::VARCHAR AS b, line_item_cost('EffectiveCost', 1.5, 2, 3)::VARCHAR AS e,
                                 line_item_cost('ListCost', 1.5, 2, 3)::VARCHAR AS l`)).toEqual([{ b: '1.500000000000', e: '2.000000000000', l: '3.000000000000' }]);
    expect(await old.all(`SELECT period, status FROM period_closes`)).toEqual([{ period: '2026-09', status: 'closed' }]);
    old.close();
  });

  it('migration 010 redacts the SMTP password that older runs stored in their configuration snapshot', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'allot-store-')), 'allot.duckdb');
    const fresh = await Store.open(file);
    await fresh.run(`INSERT INTO allocation_runs VALUES
      (1, '2026-09', 'EffectiveCost', 'hash-of-the-password', '{"teams":[],"smtp":{"host":"mx","user":"allot","password":"hunter2"}}', 'x', 0, now()::TIMESTAMP, now()::TIMESTAMP),
      (2, '2026-10', 'EffectiveCost', 'keep-me', '{"teams":[]}', 'x', 0, now()::TIMESTAMP, now()::TIMESTAMP)`);
    await fresh.run('DELETE FROM schema_version WHERE version >= 10');
    fresh.close();

    const old = await Store.open(file);
    const rows = await old.all<{ s: string; h: string }>(`SELECT config_snapshot::VARCHAR AS s, config_sha256 AS h FROM allocation_runs ORDER BY run_id`);
    old.close();
    expect(JSON.parse(rows[0]!.s)).toEqual({ teams: [], smtp: { host: 'mx', user: 'allot', password: '[redacted]' } });
    expect(rows[0]!.h).toMatch(/^[0-9a-f]{64}$/);
    expect(rows[1]).toEqual({ s: '{"teams":[]}', h: 'keep-me' });
    // (The old bytes may linger in the file's free blocks until DuckDB reuses them: the README says to rotate that password.)
  });

  it('applies every migration the file has not had, not only those above its highest version', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'allot-store-')), 'allot.duckdb');
    const fresh = await Store.open(file);
    // A file that got 010 while 005 was still to come (two lines of work, merged later).
    await fresh.run('DROP MACRO line_item_cost');
    await fresh.run('DELETE FROM schema_version WHERE version = 5');
    expect(await fresh.upToDate()).toBe(false);
    fresh.close();
    const again = await Store.open(file);
    expect(await again.upToDate()).toBe(true);
    expect(await again.one(`SELECT line_item_cost('BilledCost', 1.5, 2, 3)::VARCHAR AS b`)).toEqual({ b: '1.500000000000' });
    again.close();
  });
});

