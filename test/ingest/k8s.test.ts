import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { commitSnapshots, ingestSnapshotFiles, type Snapshot } from '../../src/ingest/k8s/index.ts';
import { Store } from '../../src/store/db.ts';
import { InputError } from '../../src/util/errors.ts';

const FIX = join(import.meta.dirname, '../fixtures/k8s');
const fx = (name: string) => join(FIX, name);

let dir: string;
let store: Store;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'allot-k8s-'));
  store = await Store.open(join(dir, 'allot.duckdb'));
});

afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

async function counts() {
  return store.one<{ snapshots: string; nodes: string; namespaces: string; pods: string; imports: string }>(
    `SELECT (SELECT count(*) FROM k8s_snapshots) AS snapshots, (SELECT count(*) FROM k8s_nodes) AS nodes,
            (SELECT count(*) FROM k8s_namespaces) AS namespaces, (SELECT count(*) FROM k8s_pods) AS pods,
            (SELECT count(*) FROM imports) AS imports`,
  );
}

async function ingestError(files: string[]): Promise<InputError> {
  const err = await ingestSnapshotFiles(store, files).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(InputError);
  return err as InputError;
}

function tmpFile(name: string, content: string | Buffer): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}

const snap = (over: Partial<Snapshot> = {}): Snapshot => ({
  cluster: 'prod',
  ts: '2026-10-01T00:00:00Z',
  window_seconds: 3600,
  nodes: [{ name: 'n1', cpu_capacity_cores: 4, memory_capacity_bytes: 17179869184 }],
  namespaces: [{ name: 'payments', labels: { team: 'payments' } }],
  pods: [{ namespace: 'payments', name: 'api', cpu_request_cores: 0.5, cpu_usage_cores: 0.21, memory_request_bytes: 536870912 }],
  ...over,
});

describe('ingest k8s snapshot files', () => {
  it('imports two snapshots of two clusters with exact rows and values', async () => {
    const [r] = await ingestSnapshotFiles(store, [fx('two-clusters.jsonl')]);
    expect(r).toMatchObject({
      importId: 1,
      status: 'active',
      rowsRead: 2,
      rowsLoaded: 2,
      rowsRejected: 0,
      replaced: [],
      snapshots: 2,
      nodes: 3,
      namespaces: 3,
      pods: 4,
      clusters: ['prod', 'staging'],
      from: '2026-10-01T00:00:00Z',
      to: '2026-11-01T00:30:00Z',
      replacedSnapshots: 0,
    });
    expect(r!.note).toBeUndefined();
    expect(await counts()).toEqual({ snapshots: '2', nodes: '3', namespaces: '3', pods: '4', imports: '1' });

    expect(await store.all(`SELECT cluster, strftime(ts, '%Y-%m-%d %H:%M:%S') AS ts, period, window_seconds, superseded_by FROM k8s_snapshots ORDER BY cluster`)).toEqual([
      { cluster: 'prod', ts: '2026-10-01 00:00:00', period: '2026-10', window_seconds: 3600, superseded_by: null },
      // 2026-10-31T23:30:00-01:00 is 2026-11-01 00:30 UTC: the November period.
      { cluster: 'staging', ts: '2026-11-01 00:30:00', period: '2026-11', window_seconds: 3600, superseded_by: null },
    ]);
    expect(
      await store.all(
        `SELECT name, node, cpu_request_cores::VARCHAR AS req, cpu_usage_cores::VARCHAR AS used,
                memory_request_bytes::VARCHAR AS mreq, memory_usage_bytes::VARCHAR AS mused
         FROM k8s_pods ORDER BY name`,
      ),
    ).toEqual([
      { name: 'api-7d9f', node: 'ip-10-0-1-5', req: '0.500000', used: '0.210000', mreq: '536870912', mused: '301989888' },
      { name: 'coredns-5d78', node: 'ip-10-0-1-5', req: '0.700000', used: null, mreq: '73400320', mused: '20971520' },
      { name: 'indexer-0', node: null, req: '1.333333', used: '0.300000', mreq: '1073741824', mused: '0' },
      { name: 'worker-1', node: 'ip-10-0-1-6', req: '0.100000', used: '0.000001', mreq: '268435456', mused: null },
    ]);
    expect(
      await store.all(
        `SELECT name, provider_id, instance_type, cpu_capacity_cores::VARCHAR AS cpu, memory_capacity_bytes::VARCHAR AS mem,
                labels['node.kubernetes.io/instance-type'] AS itype, cardinality(labels) AS nlabels
         FROM k8s_nodes ORDER BY name`,
      ),
    ).toEqual([
      { name: 'ip-10-0-1-5', provider_id: 'aws:///eu-west-1a/i-0abc', instance_type: 'm5.xlarge', cpu: '4.000000', mem: '17179869184', itype: 'm5.xlarge', nlabels: '1' },
      { name: 'ip-10-0-1-6', provider_id: null, instance_type: null, cpu: '3.920000', mem: '16106127360', itype: null, nlabels: null },
      { name: 'ip-10-1-0-9', provider_id: null, instance_type: 't3.large', cpu: '2.000000', mem: '8589934592', itype: null, nlabels: null },
    ]);
    expect(await store.all(`SELECT cluster, name, labels['team'] AS team, cardinality(labels) AS n FROM k8s_namespaces ORDER BY cluster, name`)).toEqual([
      { cluster: 'prod', name: 'kube-system', team: null, n: '0' },
      { cluster: 'prod', name: 'payments', team: 'payments', n: '1' },
      { cluster: 'staging', name: 'search', team: null, n: null },
    ]);
    const imp = await store.one<{ source: string; format: string; rows_read: string; rows_loaded: string; status: string; coverage: string; content_sha256: string }>(
      `SELECT source, format, rows_read::VARCHAR AS rows_read, rows_loaded::VARCHAR AS rows_loaded, status, coverage::VARCHAR AS coverage, content_sha256 FROM imports`,
    );
    expect(imp).toMatchObject({ source: 'k8s', format: 'jsonl', rows_read: '2', rows_loaded: '2', status: 'active' });
    expect(imp!.content_sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.parse(imp!.coverage)).toEqual([
      { cluster: 'prod', from: '2026-10-01T00:00:00Z', to: '2026-10-01T00:00:00Z', snapshots: 1, pods: 3 },
      { cluster: 'staging', from: '2026-11-01T00:30:00Z', to: '2026-11-01T00:30:00Z', snapshots: 1, pods: 1 },
    ]);
  });

  it('rejects a bad line with file:line and field, and writes nothing', async () => {
    await ingestSnapshotFiles(store, [fx('two-clusters.jsonl')]);
    const before = await counts();
    const err = await ingestError([fx('bad-line.jsonl')]);
    expect(err.message).toBe(`${fx('bad-line.jsonl')}:2: field nodes[2].cpu_capacity_cores: must be a non-negative number`);
    expect(err.line).toBe(2);
    expect(await counts()).toEqual(before);
    expect(await store.one(`SELECT count(*)::INTEGER AS n FROM k8s_snapshots WHERE ts >= '2026-10-01 01:00:00' AND cluster = 'prod'`)).toEqual({ n: 0 });
  });

  it('counts further bad lines, names JSON syntax errors, and skips blank lines in the numbering', async () => {
    const good = readFileSync(fx('no-usage.jsonl'), 'utf8').split('\n')[0]!;
    const f = tmpFile('multi.jsonl', `${good}\n\n{"cluster": "dev", oops}\n{"cluster": ""}\n`);
    const err = await ingestError([f]);
    expect(err.message).toMatch(new RegExp(`^${f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3: invalid JSON: .+ \\(and 1 more invalid row; nothing was imported\\)$`));
    expect(await counts()).toEqual({ snapshots: '0', nodes: '0', namespaces: '0', pods: '0', imports: '0' });
  });

  it.each([
    ['{"cluster": "", "ts": "2026-10-01T00:00:00Z"}', 'field cluster: must be a non-empty string'],
    ['[1, 2]', 'must be a JSON object (one snapshot per line)'],
    [JSON.stringify({ ...snap(), ts: '2026-10-01T00:00:00' }), 'field ts: must be an ISO 8601 timestamp with a zone, e.g. 2026-10-01T00:00:00Z'],
    [JSON.stringify({ ...snap(), ts: '2026-02-30T00:00:00Z' }), 'field ts: must be an ISO 8601 timestamp with a zone, e.g. 2026-10-01T00:00:00Z'],
    [JSON.stringify({ ...snap(), window_seconds: 0 }), 'field window_seconds: must be a positive integer'],
    [JSON.stringify({ ...snap(), window_seconds: 60.5 }), 'field window_seconds: must be a positive integer'],
    [JSON.stringify({ ...snap(), pods: [{ namespace: 'a', name: 'p', cpu_request_cores: 1 }] }), 'field pods[0].memory_request_bytes: is required'],
    [
      JSON.stringify({ ...snap(), pods: [{ namespace: 'a', name: 'p', cpu_request_cores: 1, memory_request_bytes: 1.5 }] }),
      'field pods[0].memory_request_bytes: must be a non-negative integer (bytes, at most 2^53-1)',
    ],
    [
      JSON.stringify({ ...snap(), pods: [{ namespace: 'a', name: 'p', cpu_request_cores: '1', memory_request_bytes: 1 }] }),
      'field pods[0].cpu_request_cores: must be a non-negative number',
    ],
    [
      '{"cluster":"prod","ts":"2026-10-01T00:00:00Z","window_seconds":3600,"nodes":[{"name":"n","cpu_capacity_cores":1,"memory_capacity_bytes":9007199254740993}],"namespaces":[],"pods":[]}',
      'field nodes[0].memory_capacity_bytes: must be a non-negative integer (bytes, at most 2^53-1)',
    ],
    [JSON.stringify({ ...snap(), namespaces: [{ name: 'a', labels: { team: 1 } }] }), 'field namespaces[0].labels.team: must be a string (label values are strings)'],
    [JSON.stringify({ ...snap(), namespaces: [{ name: 'a' }, { name: 'a' }] }), 'field namespaces[1]: duplicate namespace a (also namespaces[0])'],
    [JSON.stringify({ ...snap(), nodes: undefined }), 'field nodes: is required'],
  ])('rejects %s', async (line, why) => {
    const f = tmpFile('one.jsonl', `${line}\n`);
    const err = await ingestError([f]);
    expect(err.message).toBe(`${f}:1: ${why}`);
  });

  it('rejects two snapshots of the same cluster and ts in one import', async () => {
    const a = JSON.stringify(snap());
    const b = JSON.stringify(snap({ ts: '2026-10-01T02:00:00+02:00' }));
    const f = tmpFile('dup.jsonl', `${a}\n${b}\n`);
    const err = await ingestError([f]);
    expect(err.message).toBe(`${f}:2: field ts: a second snapshot of cluster prod at 2026-10-01T00:00:00Z (first on line 1)`);
  });

  it('notes snapshots without usage data and stores NULL usage', async () => {
    const [r] = await ingestSnapshotFiles(store, [fx('no-usage.jsonl')]);
    expect(r).toMatchObject({ status: 'active', snapshots: 2, pods: 3, note: 'no usage data: requests only' });
    expect(await store.one(`SELECT count(*)::INTEGER AS n, count(cpu_usage_cores)::INTEGER AS cpu, count(memory_usage_bytes)::INTEGER AS mem FROM k8s_pods`)).toEqual({
      n: 3,
      cpu: 0,
      mem: 0,
    });
    expect(await store.one(`SELECT note FROM imports`)).toEqual({ note: 'no usage data: requests only' });
  });

  it('names only the clusters without usage when others have it', async () => {
    const [r] = await ingestSnapshotFiles(store, [fx('two-clusters.jsonl'), fx('no-usage.jsonl')]);
    expect(r!.note).toBeUndefined();
    const f = tmpFile('mixed.jsonl', readFileSync(fx('two-clusters.jsonl'), 'utf8').replace(/prod/g, 'prod2').replace(/staging/, 'staging2') + readFileSync(fx('no-usage.jsonl'), 'utf8').replace(/"dev"/g, '"dev2"'));
    const [m] = await ingestSnapshotFiles(store, [f]);
    expect(m!.note).toBe('no usage data for cluster dev2: requests only');
  });

  it('treats the same content imported again as a no-op', async () => {
    const [first] = await ingestSnapshotFiles(store, [fx('two-clusters.jsonl')]);
    const copy = tmpFile('copy.jsonl', readFileSync(fx('two-clusters.jsonl')));
    const [again] = await ingestSnapshotFiles(store, [copy]);
    expect(again).toMatchObject({ status: 'noop', rowsLoaded: 0, snapshots: 0, replaced: [], note: `same content as import #${first!.importId}; nothing changed` });
    expect(await counts()).toEqual({ snapshots: '2', nodes: '3', namespaces: '3', pods: '4', imports: '2' });
    expect(await store.all(`SELECT import_id, status, file FROM imports ORDER BY import_id`)).toEqual([
      { import_id: 1, status: 'active', file: fx('two-clusters.jsonl') },
      { import_id: 2, status: 'noop', file: copy },
    ]);
  });

  it('replaces an earlier snapshot of the same (cluster, ts)', async () => {
    await ingestSnapshotFiles(store, [fx('two-clusters.jsonl')]);
    const [r] = await ingestSnapshotFiles(store, [fx('prod-rerun.jsonl')]);
    expect(r).toMatchObject({ importId: 2, status: 'active', snapshots: 2, replaced: [1], replacedSnapshots: 1, note: 'replaces 1 snapshot of import #1' });
    expect(await store.all(`SELECT import_id, cluster, strftime(ts, '%H:%M') AS hm, superseded_by FROM k8s_snapshots ORDER BY cluster, ts, import_id`)).toEqual([
      { import_id: 1, cluster: 'prod', hm: '00:00', superseded_by: 2 },
      { import_id: 2, cluster: 'prod', hm: '00:00', superseded_by: null },
      { import_id: 2, cluster: 'prod', hm: '01:00', superseded_by: null },
      { import_id: 1, cluster: 'staging', hm: '00:30', superseded_by: null },
    ]);
    // What allocation reads: current snapshots and their pods by (import_id, cluster, ts).
    expect(
      await store.all(
        `SELECT p.name, strftime(p.ts, '%H:%M') AS hm, p.cpu_usage_cores::VARCHAR AS used
         FROM k8s_pods p JOIN k8s_snapshots s USING (import_id, cluster, ts)
         WHERE s.superseded_by IS NULL AND s.cluster = 'prod' ORDER BY p.ts, p.name`,
      ),
    ).toEqual([
      { name: 'api-7d9f', hm: '00:00', used: '0.420000' },
      { name: 'api-7d9f', hm: '01:00', used: '0.400000' },
    ]);
    // Import #1 still has a current snapshot (staging), so it stays active.
    expect(await store.all(`SELECT import_id, status, superseded_by FROM imports ORDER BY import_id`)).toEqual([
      { import_id: 1, status: 'active', superseded_by: null },
      { import_id: 2, status: 'active', superseded_by: null },
    ]);

    // Replacing its last current snapshot supersedes import #1 as a whole.
    const [s] = await commitSnapshots(store, { source: 'k8s-collect', file: 'collector', format: 'api', sha256: null }, [
      snap({ cluster: 'staging', ts: '2026-11-01T00:30:00Z' }),
    ]).then((x) => [x]);
    expect(s).toMatchObject({ importId: 3, replaced: [1], replacedSnapshots: 1 });
    expect(await store.all(`SELECT import_id, status, superseded_by FROM imports ORDER BY import_id`)).toEqual([
      { import_id: 1, status: 'superseded', superseded_by: 3 },
      { import_id: 2, status: 'active', superseded_by: null },
      { import_id: 3, status: 'active', superseded_by: null },
    ]);
  });

  it('reads gzipped JSONL and records the format', async () => {
    const gz = tmpFile('snap.jsonl.gz', gzipSync(readFileSync(fx('two-clusters.jsonl'))));
    const [r] = await ingestSnapshotFiles(store, [gz]);
    expect(r).toMatchObject({ status: 'active', snapshots: 2, pods: 4 });
    expect(await store.one(`SELECT format FROM imports`)).toEqual({ format: 'jsonl.gz' });
  });

  it('reads CRLF line ends and a BOM; reports a truncated gzip file', async () => {
    const text = readFileSync(fx('no-usage.jsonl'), 'utf8');
    const crlf = tmpFile('crlf.jsonl', `\uFEFF${text.replace(/\n/g, '\r\n')}`);
    const [r] = await ingestSnapshotFiles(store, [crlf]);
    expect(r).toMatchObject({ status: 'active', snapshots: 2, pods: 3 });
    const big = Buffer.from(Array.from({ length: 200 }, (_, i) => JSON.stringify(snap({ ts: new Date(Date.UTC(2026, 9, 1, i)).toISOString() }))).join('\n'));
    const gz = gzipSync(big);
    const cut = tmpFile('cut.jsonl.gz', gz.subarray(0, gz.length - 20));
    const err = await ingestError([cut]);
    expect(err.message).toMatch(new RegExp(`^${cut.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+: cannot read: unexpected end of file$`));
    expect(await counts()).toMatchObject({ snapshots: '2', imports: '1' });
  });

  it('reports a missing file and an empty file', async () => {
    const missing = join(dir, 'nope.jsonl');
    expect((await ingestError([missing])).message).toBe(`${missing}: cannot read: ENOENT`);
    const empty = tmpFile('empty.jsonl', '\n\n');
    expect((await ingestError([empty])).message).toBe(`${empty}: no snapshots to import (the input is empty)`);
    expect(await counts()).toEqual({ snapshots: '0', nodes: '0', namespaces: '0', pods: '0', imports: '0' });
  });

  it('reports progress in bytes for large files', async () => {
    const events: string[] = [];
    const progress = { start: (l: string, t: number) => events.push(`start ${l} ${t}`), tick: (d: number) => events.push(`tick ${d}`), stop: () => events.push('stop') };
    const f = fx('two-clusters.jsonl');
    const size = readFileSync(f).length;
    await ingestSnapshotFiles(store, [f], { progress, progressMinBytes: 1 });
    expect(events[0]).toBe(`start ingest k8s two-clusters.jsonl ${size}`);
    expect(events.at(-1)).toBe('stop');
    expect(events.at(-2)).toBe(`tick ${size}`);
  });
});

describe('commitSnapshots (in-memory snapshots)', () => {
  it('writes through the same validation and commit path', async () => {
    async function* gen(): AsyncGenerator<Snapshot> {
      yield snap();
      yield snap({ ts: '2026-10-01T01:00:00Z' });
    }
    const r = await commitSnapshots(store, { source: 'k8s-collect', file: 'collector prod', format: 'api', sha256: null }, gen());
    expect(r).toMatchObject({ importId: 1, status: 'active', rowsRead: 2, snapshots: 2, pods: 2, clusters: ['prod'] });
    expect(await store.all(`SELECT cpu_usage_cores::VARCHAR AS u, memory_usage_bytes FROM k8s_pods`)).toEqual([
      { u: '0.210000', memory_usage_bytes: null },
      { u: '0.210000', memory_usage_bytes: null },
    ]);
    expect(await store.one(`SELECT source, format, content_sha256 FROM imports`)).toEqual({ source: 'k8s-collect', format: 'api', content_sha256: null });
  });

  it('rejects an invalid in-memory snapshot by its position and writes nothing', async () => {
    const bad = snap({ pods: [{ namespace: 'p', name: 'x', cpu_request_cores: -1, memory_request_bytes: 0 }] });
    const err = await commitSnapshots(store, { source: 'k8s-collect', file: 'collector prod', format: 'api', sha256: null }, [snap(), bad]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toBe('collector prod:2: field pods[0].cpu_request_cores: must be a non-negative number');
    expect(await counts()).toEqual({ snapshots: '0', nodes: '0', namespaces: '0', pods: '0', imports: '0' });
  });
});
