// The DuckDB reader of snapshot files (fast.ts, scan.ts) against the line
// reader (JSON.parse and snapshot.ts): for every input, the same stored rows,
// the same import results, or the same error with nothing written. Each
// input is imported twice, into two fresh stores: `reader: 'lines'` and the
// default. Where the DuckDB reader takes the file, the test also says so, so
// that a regression that silently sends everything to the line reader fails.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importSnapshotFileFast } from '../../src/ingest/k8s/fast.ts';
import { ingestSnapshotFiles } from '../../src/ingest/k8s/files.ts';
import { LenientJsonCheck, scanSnapshotFile } from '../../src/ingest/k8s/scan.ts';
import { Store } from '../../src/store/db.ts';

const FIX = join(import.meta.dirname, '../fixtures/k8s');
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'allot-k8s-fast-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
function tmpFile(content: string | Buffer, name = `in-${++n}.jsonl`): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}

/** Every stored row of the k8s tables and the import log, as text, in a stable order. */
async function stored(store: Store): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const t of ['k8s_snapshots', 'k8s_nodes', 'k8s_namespaces', 'k8s_pods']) {
    out[t] = await store.all(`SELECT COLUMNS(*)::VARCHAR FROM ${t} ORDER BY ALL`);
  }
  out.imports = await store.all(
    `SELECT COLUMNS(* EXCLUDE (started_at, finished_at))::VARCHAR FROM imports ORDER BY import_id`,
  );
  return out;
}

type Outcome = { results: unknown[]; error?: undefined } | { error: string; results?: undefined };

async function ingest(store: Store, files: string[], reader: 'lines' | 'auto'): Promise<Outcome> {
  try {
    return { results: await ingestSnapshotFiles(store, files, { reader }) };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

/** Imports `batches` (each a list of files, one ingest call) both ways; returns both outcomes and stores. */
async function both(batches: string[][]) {
  const out: Record<'lines' | 'auto', { outcomes: Outcome[]; rows: Record<string, unknown[]> }> = {} as never;
  for (const reader of ['lines', 'auto'] as const) {
    const store = await Store.open(':memory:');
    try {
      const outcomes: Outcome[] = [];
      for (const files of batches) outcomes.push(await ingest(store, files, reader));
      out[reader] = { outcomes, rows: await stored(store) };
    } finally {
      store.close();
    }
  }
  return out;
}

/** Whether DuckDB's reading takes this file as it is (into a fresh store; what it writes is thrown away). */
async function fastTakes(file: string): Promise<boolean> {
  const gzip = readFileSync(file).subarray(0, 2).equals(Buffer.from([0x1f, 0x8b]));
  const scan = await scanSnapshotFile(file, gzip, statSync(file).size);
  if (scan.lenient !== undefined) return false;
  const store = await Store.open(':memory:');
  try {
    const r = await importSnapshotFileFast(store, { source: 'k8s', file, format: 'jsonl', sha256: scan.sha256 }, gzip);
    return r.ok;
  } finally {
    store.close();
  }
}

// ---------------------------------------------------------------- inputs

/** mulberry32: the same numbers every run. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** JSON number text for cores in the forms a producer may write: up to 6 decimals, more, exponents. */
function coresText(r: () => number): string {
  const text = anyCoresText(r);
  return Number(text) < 1e9 ? text : '999999999'; // rounding may reach the bound, which the contract refuses
}

function anyCoresText(r: () => number): string {
  const form = Math.floor(r() * 8);
  const micros = Math.floor(r() * 10 ** (1 + Math.floor(r() * 15)));
  const whole = Math.floor(micros / 1e6);
  const frac = String(micros % 1e6).padStart(6, '0');
  switch (form) {
    case 0:
      return String(whole);
    case 1:
      return `${whole}.${frac.replace(/0+$/, '') || '0'}`;
    case 2:
      return `${whole}.${frac}${Math.floor(r() * 1000)}`; // more than 6 decimals: rounded half up
    case 3:
      return `${(micros / 1e6).toExponential(Math.floor(r() * 10))}`;
    case 4:
      return ['0', '0.0', '-0', '0.000001', '0.0000005', '0.0000015', '999999999.999999', '1E-6', '5e-7'][Math.floor(r() * 9)]!;
    default:
      return `${whole}.${frac}`;
  }
}

function bytesText(r: () => number): string {
  const v = Math.floor(r() * 2 ** (1 + Math.floor(r() * 52)));
  const form = Math.floor(r() * 6);
  if (form === 0) return `${v}.0`;
  if (form === 1 && v > 0 && v < 1e15) return `${v}e0`;
  if (form === 2) return ['0', '9007199254740991', '1024.000', '4096E0', '1.5e3'][Math.floor(r() * 5)]!;
  return String(v);
}

const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
const NAMES = ['api', 'worker', 'café', 'データ', 'x'.repeat(40), 'a.b_c-d', '🚀-svc', 'payments', 'kube-dns', '0ab', 'e5x', 'inf-sync', 'nano'];

/** Snapshot lines written as JSON text by hand: key order, white space, optional keys and number forms vary. */
function generatedLines(seed: number, snapshots: number, opts: { clusters: string[]; spaced?: boolean }): string[] {
  const r = random(seed);
  const sep = (k: string, v: string) => (opts.spaced ? `"${k}": ${v}` : `"${k}":${v}`);
  const obj = (fields: [string, string][]) => {
    const f = [...fields];
    if (r() < 0.3) f.reverse();
    if (r() < 0.2) f.push(['extra', pick(r, ['1', '"x"', 'null', '{"a":[1,2,{"b":"c"}]}', 'true', '[]'])]);
    return `{${f.map(([k, v]) => sep(k, v)).join(opts.spaced ? ', ' : ',')}}`;
  };
  const str = (s: string) => JSON.stringify(s);
  const labels = () =>
    pick(r, [
      undefined,
      'null',
      '{}',
      `{"team": ${str(pick(r, NAMES))}}`,
      `{"team":"payments","zone":"eu-west-1a","x.io/y":""}`,
      `{"enabled":"true","count":"3"}`,
    ]);
  const lines: string[] = [];
  for (let i = 0; i < snapshots; i++) {
    const cluster = pick(r, opts.clusters);
    const ts = new Date(Date.UTC(2026, 9, 1) + i * 3_600_000 + Math.floor(r() * 3) * 1000).toISOString().replace('.000Z', pick(r, ['Z', 'Z', '+00:00', '.5Z']));
    const nodeNames = Array.from({ length: Math.floor(r() * 4) }, (_, k) => `${pick(r, NAMES)}-n${k}`);
    const nodes = nodeNames.map((name) => {
      const f: [string, string][] = [['name', str(name)], ['cpu_capacity_cores', coresText(r)], ['memory_capacity_bytes', bytesText(r)]];
      if (r() < 0.5) f.push(['provider_id', pick(r, ['null', '""', str(`aws:///eu-west-1a/i-${i}`)])]);
      if (r() < 0.5) f.push(['instance_type', pick(r, ['null', '"m5.xlarge"'])]);
      const l = labels();
      if (l !== undefined) f.push(['labels', l]);
      return obj(f);
    });
    const nsNames = Array.from({ length: 1 + Math.floor(r() * 4) }, (_, k) => `${pick(r, NAMES)}-${k}`);
    const namespaces = nsNames.map((name) => {
      const f: [string, string][] = [['name', str(name)]];
      const l = labels();
      if (l !== undefined) f.push(['labels', l]);
      return obj(f);
    });
    const pods = Array.from({ length: Math.floor(r() * 30) }, (_, k) => {
      const f: [string, string][] = [
        ['namespace', str(pick(r, nsNames))],
        ['name', str(`${pick(r, NAMES)}-${k}`)],
        ['cpu_request_cores', coresText(r)],
        ['memory_request_bytes', bytesText(r)],
      ];
      if (r() < 0.8) f.push(['node', nodeNames.length && r() < 0.9 ? str(pick(r, nodeNames)) : 'null']);
      if (r() < 0.8) f.push(['cpu_usage_cores', r() < 0.1 ? 'null' : coresText(r)]);
      if (r() < 0.7) f.push(['memory_usage_bytes', r() < 0.1 ? 'null' : bytesText(r)]);
      return obj(f);
    });
    const list = (xs: string[]) => `[${xs.join(opts.spaced ? ', ' : ',')}]`;
    lines.push(
      obj([
        ['cluster', str(cluster)],
        ['ts', str(ts)],
        ['window_seconds', pick(r, ['3600', '60', '3600.0', '86400'])],
        ['nodes', list(nodes)],
        ['namespaces', list(namespaces)],
        ['pods', list(pods)],
      ]),
    );
  }
  return lines;
}

const good = readFileSync(join(FIX, 'two-clusters.jsonl'), 'utf8').split('\n')[0]!;
const base = JSON.parse(good) as Record<string, unknown> & { pods: Record<string, unknown>[]; nodes: Record<string, unknown>[]; namespaces: Record<string, unknown>[] };
const withPod = (p: Record<string, unknown>) => JSON.stringify({ ...base, pods: [...base.pods, { namespace: 'payments', name: 'new', cpu_request_cores: 1, memory_request_bytes: 1, ...p }] });
const withNode = (x: Record<string, unknown>) => JSON.stringify({ ...base, nodes: [...base.nodes, { name: 'new', cpu_capacity_cores: 1, memory_capacity_bytes: 1, ...x }] });
const withNs = (x: Record<string, unknown>) => JSON.stringify({ ...base, namespaces: [...base.namespaces, { name: 'new', ...x }] });

// ---------------------------------------------------------------- tests

describe('the DuckDB reader against the line reader', () => {
  it.each(['two-clusters.jsonl', 'no-usage.jsonl', 'prod-rerun.jsonl'])('stores the same rows for fixture %s, and reads it itself', async (name) => {
    const file = join(FIX, name);
    expect(await fastTakes(file)).toBe(true);
    const r = await both([[file]]);
    expect(r.auto).toEqual(r.lines);
    expect(r.auto.outcomes[0]!.error).toBeUndefined();
  });

  it('stores the same rows for a generated set of files, plain and gzipped, in one store each', async () => {
    const a = tmpFile(`${generatedLines(1, 150, { clusters: ['prod', 'staging'] }).join('\n')}\n`);
    const b = tmpFile(`${generatedLines(2, 150, { clusters: ['dev', 'prod-ü'], spaced: true }).join('\r\n')}\r\n\r\n`);
    const c = tmpFile(gzipSync(`\n${generatedLines(3, 80, { clusters: ['prod', 'edge'] }).join('\n\n')}`), `in-${++n}.jsonl.gz`);
    // Overlapping (cluster, ts) with `a`: replaces part of it.
    const d = tmpFile(`${generatedLines(4, 40, { clusters: ['prod'] }).join('\n')}\n`);
    for (const f of [a, b, c, d]) expect(await fastTakes(f), f).toBe(true);
    const r = await both([[a, b], [c], [d], [a]]);
    expect(r.auto.outcomes.every((o) => o.error === undefined)).toBe(true);
    expect(r.auto).toEqual(r.lines);
    expect(Number(r.auto.rows.k8s_pods!.length)).toBeGreaterThan(3000);
  });

  it('reads files itself into a store reopened by a new process, and ids run on as with the line reader', async () => {
    const db = join(dir, `reopen-${++n}.duckdb`);
    let store = await Store.open(db);
    await ingestSnapshotFiles(store, [join(FIX, 'two-clusters.jsonl')]);
    store.close();
    store = await Store.open(db);
    try {
      const file = join(FIX, 'no-usage.jsonl');
      const scan = await scanSnapshotFile(file, false, statSync(file).size);
      const r = await importSnapshotFileFast(store, { source: 'k8s', file, format: 'jsonl', sha256: scan.sha256 }, false);
      expect(r).toMatchObject({ ok: true, result: { importId: 2, status: 'active', pods: 3 } });
    } finally {
      store.close();
    }
  });

  it('stores the same rows for valid files it gives back to the line reader', async () => {
    const cases = [
      `\uFEFF${good}\n`, // a byte order mark
      `${withPod({ name: 'say "hi"' })}\n`, // an escape sequence
      `${withNs({ labels: { b: '1', 10: 'x', 2: 'y' } })}\n`, // integer label keys: JavaScript orders them first
      `${withNs({ name: 'dup-keys' }).replace('"name":"dup-keys"', '"name":"first","name":"dup-keys"')}\n`, // JSON.parse keeps the last
      `${withNs({ name: 'dup-labels', labels: { team: 'a' } }).replace('"labels":{"team":"a"}', '"labels":{"team":"a","team":"b"}')}\n`,
      `${withPod({ name: '12345' })}\n`, // a name that reads as a number
      `${withPod({ name: 'true' })}\n`,
      `${withPod({ name: '{curly}' })}\n`,
      `${withPod({ node: 'nan' })}\n`,
      Buffer.from(Buffer.from(`${withPod({ name: 'caf~' })}\n`).map((b) => (b === 0x7e ? 0xe9 : b))), // not UTF-8: U+FFFD to the line reader
      `${withPod({ extra: 'x, ]' })}\n`, // text the byte check cannot tell from a trailing comma
      `${good}\n\u000b\n`, // a line of white space (a vertical tab) between lines
    ];
    for (const content of cases) {
      const f = tmpFile(content);
      const r = await both([[f]]);
      const name = String(content).slice(0, 80);
      expect(r.auto.outcomes[0]!.error, name).toBeUndefined();
      expect(r.auto, name).toEqual(r.lines);
    }
  });

  it('refuses each malformed input with the line reader\'s error, writes nothing, and never lets DuckDB take it', async () => {
    const line = (s: string) => `${s}\n`;
    const cases: [string, string | Buffer][] = [
      ['a comma before ]', line(good.replace(/\]\}$/, ',]}'))],
      ['a comma before }', line(good.replace(/\}$/, ',}'))],
      ['NaN in a key nobody reads', line(good.replace(/\}$/, ',"x":NaN}'))],
      ['Infinity as usage', line(withPod({ cpu_usage_cores: 1 }).replace('"cpu_usage_cores":1', '"cpu_usage_cores":Infinity'))],
      ['-inf as cores', line(withPod({ cpu_request_cores: 1 }).replace('"cpu_request_cores":1', '"cpu_request_cores":-inf'))],
      ['nan as a name', line(withPod({}).replace('"name":"new"', '"name":nan'))],
      ['a vertical tab before the object', `\u000b${good}\n`],
      ['a form feed after the object', `${good}\f\n`],
      ['a lone CR inside an object', line(good.replace('"ts":', '\r"ts":'))],
      ['an object over two lines', line(good.replace('"ts":', '\n"ts":'))],
      ['two objects on a line', line(`${good} ${good}`)],
      ['a string for cores', line(withPod({ cpu_request_cores: '1' }))],
      ['a boolean for bytes', line(withPod({ memory_request_bytes: true }))],
      ['an object for bytes', line(withNode({ memory_capacity_bytes: { a: 1 } }))],
      ['a number for a pod name', line(withPod({ name: 7 }))],
      ['a boolean for a node', line(withPod({ node: false }))],
      ['an object for a namespace', line(withPod({ namespace: { a: 1 } }))],
      ['an array for a provider id', line(withNode({ provider_id: ['x'] }))],
      ['a number for a label value', line(withNs({ labels: { team: 1 } }))],
      ['null for a label value', line(withNs({ labels: { team: null } }))],
      ['an array for labels', line(withNs({ labels: ['x'] }))],
      ['a string for labels', line(withNode({ labels: 'x' }))],
      ['a pod twice', line(JSON.stringify({ ...base, pods: [...base.pods, base.pods[0]] }))],
      ['pods a/b c and a b/c (one key to the line reader)', line(withPod({ namespace: 'a/b', name: 'c' }).replace(/\]\}$/, ',{"namespace":"a","name":"b/c","cpu_request_cores":1,"memory_request_bytes":1}]}'))],
      ['a node twice', line(JSON.stringify({ ...base, nodes: [...base.nodes, base.nodes[0]] }))],
      ['a namespace twice', line(JSON.stringify({ ...base, namespaces: [...base.namespaces, base.namespaces[0]] }))],
      ['the same cluster and ts twice', `${good}\n${good.replace('"2026-10-01T00:00:00Z"', '"2026-10-01T02:00:00+02:00"')}\n`],
      ['no pods', line(JSON.stringify({ ...base, pods: undefined }))],
      ['pods null', line(JSON.stringify({ ...base, pods: null }))],
      ['nodes null', line(JSON.stringify({ ...base, nodes: null }))],
      ['no namespaces', line(JSON.stringify({ ...base, namespaces: undefined }))],
      ['a pod that is null', line(JSON.stringify({ ...base, pods: [null] }))],
      ['a pod that is a number', line(JSON.stringify({ ...base, pods: [1] }))],
      ['negative cores', line(withPod({ cpu_request_cores: -0.5 }))],
      ['1e9 cores', line(withNode({ cpu_capacity_cores: 1e9 }))],
      ['1e400 cores', line(withPod({ cpu_usage_cores: 1 }).replace('"cpu_usage_cores":1', '"cpu_usage_cores":1e400'))],
      ['fractional bytes', line(withPod({ memory_usage_bytes: 1.5 }))],
      ['2^53 bytes', line(withPod({}).replace('"memory_request_bytes":1', '"memory_request_bytes":9007199254740992'))],
      ['negative bytes', line(withNode({ memory_capacity_bytes: -1 }))],
      ['window 0', line(JSON.stringify({ ...base, window_seconds: 0 }))],
      ['window 60.5', line(JSON.stringify({ ...base, window_seconds: 60.5 }))],
      ['window as a string', line(JSON.stringify({ ...base, window_seconds: '3600' }))],
      ['window too large', line(JSON.stringify({ ...base, window_seconds: 2147483648 }))],
      ['ts without a zone', line(JSON.stringify({ ...base, ts: '2026-10-01T00:00:00' }))],
      ['ts on 30 February', line(JSON.stringify({ ...base, ts: '2026-02-30T00:00:00Z' }))],
      ['ts before 1970', line(JSON.stringify({ ...base, ts: '1969-12-31T23:00:00Z' }))],
      ['an empty cluster', line(JSON.stringify({ ...base, cluster: '' }))],
      ['a number for cluster', line(JSON.stringify({ ...base, cluster: 7 }))],
      ['Cluster in capitals', line(good.replace('"cluster"', '"Cluster"'))],
      ['an empty pod name', line(withPod({ name: '' }))],
      ['an empty node name', line(withNode({ name: '' }))],
      ['a missing namespace name', line(withNs({ name: undefined }))],
      ['a pod without requests', line(withPod({ cpu_request_cores: undefined }))],
      ['null', line('null')],
      ['an array', line('[1, 2]')],
      ['a number', line('7')],
      ['not JSON', line('not json')],
      ['several bad lines', `${good}\n${withPod({ name: '' })}\n${withPod({ cpu_request_cores: -1 })}\n{oops\n`],
      ['empty', '\n\n'],
      ['a truncated gzip file', gzipSync(`${good}\n`.repeat(50)).subarray(0, 200)],
    ];
    const stores = { lines: await Store.open(':memory:'), auto: await Store.open(':memory:') };
    try {
      for (const [name, content] of cases) {
        const f = tmpFile(content);
        const lines = await ingest(stores.lines, [f], 'lines');
        const auto = await ingest(stores.auto, [f], 'auto');
        expect(lines.error, name).toBeDefined();
        expect(auto, name).toEqual(lines);
        expect(await fastTakes(f), name).toBe(false);
      }
      const empty = { k8s_snapshots: [], k8s_nodes: [], k8s_namespaces: [], k8s_pods: [], imports: [] };
      expect(await stored(stores.lines)).toEqual(empty);
      expect(await stored(stores.auto)).toEqual(empty);
      // DuckDB's attempts used up no import id: the next import has the same id both ways.
      const next = (await ingest(stores.lines, [join(FIX, 'two-clusters.jsonl')], 'lines')).results;
      expect((await ingest(stores.auto, [join(FIX, 'two-clusters.jsonl')], 'auto')).results).toEqual(next);
    } finally {
      stores.lines.close();
      stores.auto.close();
    }
  });
});

describe('LenientJsonCheck', () => {
  const check = (...chunks: string[]) => {
    const c = new LenientJsonCheck();
    for (const s of chunks) c.push(Buffer.from(s, 'latin1'));
    return c.problem;
  };

  it('passes JSON.parse-able text, in chunks of any size', () => {
    expect(check(good, '\n', good, '\r\n')).toBeUndefined();
    expect(check(...`${good}\n`.split(''))).toBeUndefined();
    expect(check('{"a": [1, 2], "b": {"c": null}, "d": "x, ]", "e": "infra"}\n')).toBe('a comma before a closing bracket'); // in a string: still flagged
    expect(check('{"a": "nan", "b": -1.5e3, "c": true, "d": false}\n')).toBeUndefined();
  });

  it('names what DuckDB reads and JSON.parse refuses, also across chunk boundaries and long white space', () => {
    expect(check('{"a": [1,', ' '.repeat(5000), '\n', ' ]}')).toBe('a comma before a closing bracket');
    expect(check('{"a": [1', ',', ']}')).toBe('a comma before a closing bracket');
    expect(check('{"a":', ' '.repeat(3000), '-', 'Inf', 'inity}')).toBe('what may be NaN or Infinity');
    expect(check('{"a": 1}\r', '{"b": 2}')).toBe('a carriage return that does not end a line');
    expect(check('{"a": 1}\r', '\n{"b": 2}')).toBeUndefined();
    expect(check('{"a": "\\u00e9"}')).toBe('an escape sequence');
    expect(check('\u000b{"a": 1}')).toBe('a vertical tab or form feed');
    expect(check('\u00ef\u00bb\u00bf{"a": 1}')).toBe('a byte order mark');
  });
});
