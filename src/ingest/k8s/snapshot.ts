import { z } from 'zod';

/**
 * One Kubernetes usage snapshot: the contract's "Snapshot format"
 * (shared/design/allocation.md), one JSON object per JSONL line. The live
 * collector and the Prometheus backfill build these in memory; `ingest k8s`
 * reads them from files. Unknown extra keys are accepted and ignored.
 */
export interface Snapshot {
  cluster: string;
  /** ISO 8601 with a zone (`Z` or `±hh:mm`); stored as a UTC TIMESTAMP. */
  ts: string;
  window_seconds: number;
  nodes: SnapshotNode[];
  namespaces: SnapshotNamespace[];
  pods: SnapshotPod[];
}

export interface SnapshotNode {
  name: string;
  provider_id?: string | null;
  instance_type?: string | null;
  cpu_capacity_cores: number;
  memory_capacity_bytes: number;
  labels?: Record<string, string> | null;
}

export interface SnapshotNamespace {
  name: string;
  labels?: Record<string, string> | null;
}

export interface SnapshotPod {
  namespace: string;
  name: string;
  node?: string | null;
  cpu_request_cores: number;
  /** Missing or null: no metrics (stored NULL, counts as 0 usage). */
  cpu_usage_cores?: number | null;
  memory_request_bytes: number;
  memory_usage_bytes?: number | null;
}

/** Cores are stored DECIMAL(18,6); below this bound micro-cores are exact in a double. */
export const MAX_CORES = 1e9;
export const MAX_WINDOW_SECONDS = 2147483647;

// ---------------------------------------------------------------- schema

type Issue = { input?: unknown };
/** A message for a wrong type, or "is required" when the key is missing. */
const typeError = (what: string) => ({ error: (iss: Issue) => (iss.input === undefined ? 'is required' : `must be ${what}`) });

const NON_NEG = 'must be a non-negative number';
const CORES_MAX = `must be a non-negative number below ${MAX_CORES}`;
const BYTES = 'must be a non-negative integer (bytes, at most 2^53-1)';

const name = z.string(typeError('a non-empty string')).min(1, 'must be a non-empty string');
const optText = z.string(typeError('a string or null')).nullish();
const cores = z.number(typeError('a non-negative number')).nonnegative(NON_NEG).lt(MAX_CORES, CORES_MAX);
// zod 4's int() accepts safe integers only (|n| <= 2^53-1).
const bytes = z.number(typeError('a non-negative integer')).int(BYTES).nonnegative(BYTES);
const labels = z
  .record(z.string(), z.string(typeError('a string (label values are strings)')), typeError('an object of strings'))
  .nullish();

/** Years 1970-9999 only: a period is always `YYYY-MM`. */
const MAX_TS_MS = Date.UTC(10000, 0, 1);
const ISO_TS = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:?\d{2})$/;
const TS_WHY = 'must be an ISO 8601 timestamp with a zone, e.g. 2026-10-01T00:00:00Z';

const nodeSchema = z.object({
  name,
  provider_id: optText,
  instance_type: optText,
  cpu_capacity_cores: cores,
  memory_capacity_bytes: bytes,
  labels,
});
const namespaceSchema = z.object({ name, labels });
const podSchema = z.object({
  namespace: name,
  name,
  node: optText,
  cpu_request_cores: cores,
  cpu_usage_cores: cores.nullish(),
  memory_request_bytes: bytes,
  memory_usage_bytes: bytes.nullish(),
});

const snapshotSchema = z
  .object(
    {
      cluster: name,
      ts: z.string(typeError('a string')).refine((s) => timestampMicros(s) !== undefined, TS_WHY),
      window_seconds: z
        .number(typeError('a positive integer'))
        .int('must be a positive integer')
        .positive('must be a positive integer')
        .max(MAX_WINDOW_SECONDS, `must be at most ${MAX_WINDOW_SECONDS}`),
      nodes: z.array(nodeSchema, typeError('an array')),
      namespaces: z.array(namespaceSchema, typeError('an array')),
      pods: z.array(podSchema, typeError('an array')),
    },
    { error: 'must be a JSON object (one snapshot per line)' },
  )
  .superRefine((s, ctx) => {
    // Twice the same node, namespace or pod in one snapshot would count its usage twice.
    const dup = (list: { name: string; namespace?: string }[], key: string, what: string) => {
      const seen = new Map<string, number>();
      for (let i = 0; i < list.length; i++) {
        const item = list[i]!;
        const k = item.namespace === undefined ? item.name : `${item.namespace}/${item.name}`;
        const first = seen.get(k);
        if (first !== undefined) {
          ctx.addIssue({ code: 'custom', path: [key, i], message: `duplicate ${what} ${k} (also ${key}[${first}])` });
          return;
        }
        seen.set(k, i);
      }
    };
    dup(s.nodes, 'nodes', 'node');
    dup(s.namespaces, 'namespaces', 'namespace');
    dup(s.pods, 'pods', 'pod');
  });

/** `nodes[2].cpu_capacity_cores` from zod's path. */
export function fieldPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out;
}

/**
 * Validates one parsed JSONL line against the snapshot contract. Pure. On
 * failure names the first bad field (`nodes[2].cpu_capacity_cores`; '' for
 * the line itself) and why.
 */
export function validateSnapshot(obj: unknown): { ok: true; value: Snapshot } | { ok: false; field: string; why: string } {
  const r = snapshotSchema.safeParse(obj);
  if (r.success) return { ok: true, value: r.data };
  const issue = r.error.issues[0]!;
  return { ok: false, field: fieldPath(issue.path), why: issue.message };
}

// ---------------------------------------------------------------- conversions

/**
 * Microseconds since the epoch (UTC) of an ISO 8601 timestamp with a zone, or
 * undefined when it is not one (or names a day that does not exist).
 * Fractions below a microsecond are truncated, as DuckDB's TIMESTAMP does.
 */
export function timestampMicros(s: string): bigint | undefined {
  const m = ISO_TS.exec(s);
  if (!m) return undefined;
  const [y, mo, d, h, mi, sec] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number) as [number, number, number, number, number, number];
  if (y < 1970 || mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || sec > 59) return undefined;
  const ms = Date.UTC(y, mo - 1, d, h, mi, sec);
  if (new Date(ms).getUTCDate() !== d) return undefined; // 2026-02-30
  let offsetMin = 0;
  const zone = m[8]!;
  if (zone !== 'Z' && zone !== 'z') {
    const digits = zone.replace(':', '');
    const oh = Number(digits.slice(1, 3));
    const om = Number(digits.slice(3, 5));
    if (oh > 23 || om > 59) return undefined;
    offsetMin = (zone[0] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const frac = BigInt((m[7] ?? '').padEnd(6, '0').slice(0, 6) || '0');
  const utc = ms - offsetMin * 60_000;
  if (utc >= MAX_TS_MS) return undefined;
  return BigInt(utc) * 1000n + frac;
}

/** `2026-10-01T00:00:00Z`, with a fraction only when there is one. */
export function formatMicros(micros: bigint): string {
  const ms = micros / 1000n - (micros % 1000n < 0n ? 1n : 0n);
  const iso = new Date(Number(ms)).toISOString();
  const frac = ((micros % 1_000_000n) + 1_000_000n) % 1_000_000n;
  if (frac === 0n) return `${iso.slice(0, 19)}Z`;
  return `${iso.slice(0, 19)}.${frac.toString().padStart(6, '0').replace(/0+$/, '')}Z`;
}

/**
 * Cores as an exact integer count of micro-cores (DECIMAL(18,6) scaled by
 * 10^6). For a JSON number with at most 6 decimals below MAX_CORES the
 * product is within far less than 0.5 of the exact integer, so rounding
 * recovers the written value exactly (0.21 -> 210000, never 209999). More
 * decimals are rounded to 6, half up.
 */
export function coresToMicros(cores: number): number {
  return Math.round(cores * 1e6);
}
