import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.ts';

const FIX = join(import.meta.dirname, '../fixtures/k8s');

let dir: string;
let out: string[];
let err: string[];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'allot-k8s-cli-'));
  out = [];
  err = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((s) => (err.push(String(s)), true));
});

afterEach(() => {
  vi.restoreAllMocks();
  rmSync(dir, { recursive: true, force: true });
});

const allot = (...args: string[]) => main(['node', 'allot', '--db', join(dir, 'allot.duckdb'), ...args]);

describe('allot ingest k8s', () => {
  it('prints one summary per file, and "already imported" for a repeat', async () => {
    const a = join(FIX, 'two-clusters.jsonl');
    const b = join(FIX, 'prod-rerun.jsonl');
    expect(await allot('ingest', 'k8s', '--snapshots', a, b, a)).toBe(0);
    expect(out.join('')).toBe(
      [
        `${a}: import #1: 2 snapshots, 2 clusters (prod, staging), 2026-10-01T00:00:00Z .. 2026-11-01T00:30:00Z, 4 pod rows, 0 snapshots replaced`,
        `  prod: 1 snapshot 2026-10-01T00:00:00Z .. 2026-10-01T00:00:00Z, 3 pod rows`,
        `  staging: 1 snapshot 2026-11-01T00:30:00Z .. 2026-11-01T00:30:00Z, 1 pod rows`,
        `${b}: import #2: 2 snapshots, 1 cluster (prod), 2026-10-01T00:00:00Z .. 2026-10-01T01:00:00Z, 2 pod rows, 1 snapshot replaced`,
        `  prod: 2 snapshots 2026-10-01T00:00:00Z .. 2026-10-01T01:00:00Z, 2 pod rows`,
        `  note: replaces 1 snapshot of import #1`,
        `${a}: already imported (same content as import #1; nothing changed)`,
        '',
      ].join('\n'),
    );
  });

  it('prints results as JSON with --json', async () => {
    const a = join(FIX, 'no-usage.jsonl');
    expect(await allot('--json', 'ingest', 'k8s', '--snapshots', a)).toBe(0);
    const results = JSON.parse(out.join('')) as unknown[];
    expect(results).toEqual([
      expect.objectContaining({ file: a, status: 'active', snapshots: 2, pods: 3, note: 'no usage data: requests only', clusters: ['dev'] }),
    ]);
  });

  it('exits 1 with FILE:LINE: field … on a bad line', async () => {
    const bad = join(FIX, 'bad-line.jsonl');
    expect(await allot('ingest', 'k8s', '--snapshots', bad)).toBe(1);
    expect(err.join('')).toBe(`allot: ${bad}:2: field nodes[2].cpu_capacity_cores: must be a non-negative number\n`);
  });
});
