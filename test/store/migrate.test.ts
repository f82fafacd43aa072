import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { listMigrations, Store } from '../../src/store/db.ts';

const MIGRATIONS = join(import.meta.dirname, '../../src/store/migrations');

/** A store file as Allot wrote it at schema version `version`. */
async function storeAt(version: number, seed: string[]): Promise<string> {
  const file = join(mkdtempSync(join(tmpdir(), 'allot-store-')), 'allot.duckdb');
  const db = await DuckDBInstance.create(file);
  const conn = await db.connect();
  await conn.run('CREATE TABLE schema_version (version INTEGER NOT NULL, applied_at TIMESTAMP NOT NULL)');
  for (const m of listMigrations().filter((x) => x.version <= version)) {
    await conn.run(readFileSync(join(MIGRATIONS, m.file), 'utf8'));
    await conn.run(`INSERT INTO schema_version VALUES (${m.version}, now()::TIMESTAMP)`);
  }
  for (const s of seed) await conn.run(s);
  conn.closeSync();
  db.closeSync();
  return file;
}

describe('store schema', () => {
  it('upgrades a version-4 file in place, keeping its data', async () => {
    const file = await storeAt(4, [
      `INSERT INTO period_closes VALUES ('2026-09', 1, 'closed', 'abc', 3, '[]', now()::TIMESTAMP, 'test')`,
    ]);
    const old = await Store.open(file);
    expect(await old.schemaVersion()).toBe(listMigrations().at(-1)!.version);
    expect(await old.all(`SELECT line_item_cost('BilledCost', 1.5, 2, 3)::VARCHAR AS b, line_item_cost('EffectiveCost', 1.5, 2, 3)::VARCHAR AS e,
                                 line_item_cost('ListCost', 1.5, 2, 3)::VARCHAR AS l`)).toEqual([{ b: '1.500000000000', e: '2.000000000000', l: '3.000000000000' }]);
    expect(await old.all(`SELECT period, status, tieout FROM period_closes`)).toEqual([{ period: '2026-09', status: 'closed', tieout: null }]);
    old.close();
  });

  it('version 6: each earlier import becomes its own delivery under its own number, so superseded rows stay valid', async () => {
    const row = (id: number, line: number, sup: string) =>
      `INSERT INTO line_items (li_id, import_id, source_line, period, superseded_by, billing_account_id, billing_period_start, billing_period_end,
         charge_period_start, charge_period_end, billing_currency, billed_cost, effective_cost, list_cost, charge_category)
       VALUES (${id} * 4294967296 + ${line}, ${id}, ${line}, '2026-10', ${sup}, 'A', '2026-10-01', '2026-11-01', '2026-10-02', '2026-10-03', 'EUR', 1, 1, 1, 'Usage')`;
    const imp = (id: number, status: string, sup: string, format = 'csv') =>
      `INSERT INTO imports (import_id, source, file, content_sha256, format, rows_read, rows_loaded, status, superseded_by, started_at, finished_at)
       VALUES (${id}, 'focus', 'f${id}.csv', 'sha${id}', '${format}', 1, 1, '${status}', ${sup}, now()::TIMESTAMP, now()::TIMESTAMP)`;
    const file = await storeAt(5, [
      imp(1, 'superseded', '2'), row(1, 2, '2'),
      imp(2, 'active', 'NULL'), row(2, 2, 'NULL'),
      imp(3, 'noop', 'NULL'),
    ]);
    const st = await Store.open(file);
    expect(await st.all(`SELECT delivery_id, source, layout, export_key, status, superseded_by, parts FROM deliveries ORDER BY 1`)).toEqual([
      { delivery_id: 1, source: 'focus', layout: 'files', export_key: 'files', status: 'superseded', superseded_by: 2, parts: 1 },
      { delivery_id: 2, source: 'focus', layout: 'files', export_key: 'files', status: 'active', superseded_by: null, parts: 1 },
    ]);
    expect(await st.all(`SELECT delivery_id, import_id, file FROM delivery_parts ORDER BY 1`)).toEqual([
      { delivery_id: 1, import_id: 1, file: 'f1.csv' },
      { delivery_id: 2, import_id: 2, file: 'f2.csv' },
    ]);
    // Each superseded row names a delivery that exists.
    expect(await st.all(`SELECT l.superseded_by, d.status FROM line_items l JOIN deliveries d ON d.delivery_id = l.superseded_by`)).toEqual([
      { superseded_by: 2, status: 'active' },
    ]);
    expect(await st.all(`SELECT count(*)::INTEGER AS n FROM line_items WHERE invoice_id IS NULL`)).toEqual([{ n: 2 }]);
    st.close();
  });

  it('version 13: line items get their class; who each line item of a run went to reads as before, through the classes', async () => {
    const row = (id: number, line: number, sup: string, account: string) =>
      `INSERT INTO line_items (li_id, import_id, source_line, period, superseded_by, billing_account_id, billing_period_start, billing_period_end,
         charge_period_start, charge_period_end, billing_currency, billed_cost, effective_cost, list_cost, charge_category, sub_account_id, tags)
       VALUES (${id} * 4294967296 + ${line}, ${id}, ${line}, '2026-10', ${sup}, 'A', '2026-10-01', '2026-11-01', '2026-10-02', '2026-10-03', 'EUR', 1, 1, 1,
         'Usage', '${account}', MAP {'team': 'a'})`;
    const owner = (li: number, team: string) => `INSERT INTO line_item_owners VALUES (7, 4294967296 + ${li}, 'team', '${team}', 'account', 'account ${team}', NULL)`;
    const file = await storeAt(11, [
      `INSERT INTO imports (import_id, source, file, content_sha256, format, rows_read, rows_loaded, status, started_at, finished_at)
       VALUES (1, 'focus', 'f1.csv', 'sha1', 'csv', 3, 3, 'active', now()::TIMESTAMP, now()::TIMESTAMP)`,
      row(1, 2, 'NULL', '111'), row(1, 3, 'NULL', '111'), row(1, 4, 'NULL', '222'),
      `INSERT INTO allocation_runs VALUES (7, '2026-10', 'EffectiveCost', 'c', '{}', 'i', 3, now()::TIMESTAMP, now()::TIMESTAMP)`,
      owner(2, 'alpha'), owner(3, 'alpha'), owner(4, 'bravo'),
    ]);
    const st = await Store.open(file);
    // Two classes: the line items of account 111 share one.
    expect(await st.all(`SELECT count(DISTINCT class_key)::INTEGER AS n, count(*) FILTER (WHERE class_key IS NULL)::INTEGER AS missing FROM line_items`)).toEqual([
      { n: 2, missing: 0 },
    ]);
    expect(await st.all(`SELECT count(*)::INTEGER AS n FROM class_owners`)).toEqual([{ n: 2 }]);
    expect(await st.all(`SELECT li_id::VARCHAR AS li_id, target_id FROM line_item_owners WHERE run_id = 7 ORDER BY li_id`)).toEqual([
      { li_id: '4294967298', target_id: 'alpha' },
      { li_id: '4294967299', target_id: 'alpha' },
      { li_id: '4294967300', target_id: 'bravo' },
    ]);
    st.close();
  });

  it('migration 010 redacts the SMTP password that older runs stored in their configuration snapshot', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'allot-store-')), 'allot.duckdb');
    const fresh = await Store.open(file);
    await fresh.run(`INSERT INTO allocation_runs (run_id, period, cost_metric, config_sha256, config_snapshot, inputs_sha256, line_items, started_at, finished_at) VALUES
      (1, '2026-09', 'EffectiveCost', 'hash-of-the-password', '{"teams":[],"smtp":{"host":"mx","user":"allot","password":"hunter2"}}', 'x', 0, now()::TIMESTAMP, now()::TIMESTAMP),
      (2, '2026-10', 'EffectiveCost', 'keep-me', '{"teams":[]}', 'x', 0, now()::TIMESTAMP, now()::TIMESTAMP)`);
    await fresh.run('DELETE FROM schema_version WHERE version = 10');
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

