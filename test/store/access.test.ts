// Who opens the store how (src/store/access.ts), with real CLI processes:
// readers never create a store, never block each other, wait visibly for a
// writer (or give up after --wait-store) when there is no snapshot; writers
// name the holder.
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliHolder, openForRead, openForWrite, publishSnapshot, snapshotFile } from '../../src/store/access.ts';
import { Store, StoreMissingError } from '../../src/store/db.ts';
import { allot } from '../cli/run.ts';

const dir = mkdtempSync(join(tmpdir(), 'allot-access-'));
const db = join(dir, 'allot.duckdb');
const cfg = join(dir, 'none.yaml');

beforeAll(async () => {
  (await Store.open(db)).close();
});

describe('a missing store', () => {
  it.each([
    ['status', ['status']],
    ['explain', ['explain', '--period', '2026-10', '--team', 'a']],
    ['export', ['export', 'chargeback', '--period', '2026-10', '--out', join(dir, 'x.csv')]],
    ['close', ['close', '--period', '2026-10']],
  ])('%s refuses it and creates nothing', async (_name, args) => {
    const missing = join(dir, 'typo.duckdb');
    const r = await allot(['--config', cfg, '--db', missing, ...args]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`allot: no store at ${missing}: check --db`);
    expect(existsSync(missing)).toBe(false);
  });

  it('openForRead and openForWrite without create throw StoreMissingError', async () => {
    await expect(openForRead(join(dir, 'nope.duckdb'), { waitMs: 0 })).rejects.toBeInstanceOf(StoreMissingError);
    await expect(openForWrite(join(dir, 'nope.duckdb'), { waitMs: 0, what: 'test' })).rejects.toBeInstanceOf(StoreMissingError);
  });
});

describe('a store another process writes', () => {
  let writer: Store;
  beforeAll(async () => {
    writer = await openForWrite(db, { waitMs: 0, what: cliHolder('test-writer') });
  });
  afterAll(() => writer?.close());

  it('with no snapshot: a reader waits, says for whom, and gives up after --wait-store', async () => {
    const r = await allot(['--db', db, '--wait-store', '1', 'status']);
    expect(r.code).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines[0]).toMatch(new RegExp(`^allot: waiting for the store \\(held by allot test-writer \\(.+, pid ${process.pid} on .+\\), since \\S+\\); up to 1 s$`));
    expect(lines[1]).toMatch(/^allot: the store .+ is busy: held by allot test-writer .+ for more than 1 s; try again when it is done/);
  });

  it('with a snapshot: a reader reads it at once, and says so', async () => {
    await publishSnapshot(writer, 'the test');
    expect(existsSync(snapshotFile(db))).toBe(true);
    const r = await allot(['--db', db, '--wait-store', '0', '--json', 'status']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^allot: the store is busy \(held by allot test-writer .+\): reading the snapshot published \S+ by the test; what the running job writes is not in it yet\n$/);
    expect(JSON.parse(r.stdout)).toMatchObject({ periods: [], runs: [] });
  });
});

describe('readers', () => {
  it('do not block each other', async () => {
    const a = await openForRead(db, { waitMs: 0 });
    const b = await openForRead(db, { waitMs: 0 });
    try {
      expect(a.snapshot).toBeUndefined();
      expect(b.snapshot).toBeUndefined();
      const r = await allot(['--db', db, '--wait-store', '0', '--json', 'status']);
      expect(r.code).toBe(0);
      expect(r.stderr).toBe('');
    } finally {
      a.store.close();
      b.store.close();
    }
  });
});
