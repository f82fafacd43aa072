// Source freshness, one truth for every worker.
//
// The sources that should keep delivering are the configured ones: the
// schedule's billing pulls and monthly sources (by id) and its Kubernetes
// collections (`k8s-collect/<cluster>`). A one-off import (a FOCUS backfill,
// a manual CUR) is not watched: it never "stops delivering".
//
// When each last delivered is kept in Redis (`<prefix>:source-last-success`,
// a hash of source id → Unix seconds, only ever moved forward): a pull or a
// collection records its success there, and the freshness check writes what
// the store's imports say (the truth after a Redis loss). Every worker's
// /metrics reads the same hash, so every worker reports the same values.
import type { Redis } from 'ioredis';
import type { Config } from '../src/config/schema.ts';
import { K8S_COLLECT_SOURCE } from '../src/ingest/k8s-collect/defaults.ts';
import type { Store } from '../src/store/db.ts';
import { lastImportLike, lastSnapshot } from '../src/store/jobs.ts';
import { importFile } from './sources.ts';
import { monthlySources, resolveSources, type SourceSpec } from './spec.ts';

/** A source the schedule expects to deliver, and how its imports are found in the store. */
export interface WatchedSource {
  id: string;
  /** `imports.file LIKE` pattern of its pulls, or the cluster of its collections. */
  like?: string;
  cluster?: string;
}

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/** The pattern of every month's import file of a billing source. */
function likeOf(src: SourceSpec): string {
  const marker = '\u0000';
  const [before, after] = importFile(src, marker).split(marker) as [string, string];
  return `${escapeLike(before)}%${escapeLike(after)}`;
}

/** The configured sources, sorted by id. */
export function watchedSources(config: Config): WatchedSource[] {
  const s = config.schedule;
  if (!s) return [];
  const out = new Map<string, WatchedSource>();
  for (const src of [...resolveSources(s.billing_pulls?.sources), ...monthlySources(config)]) out.set(src.id, { id: src.id, like: likeOf(src) });
  for (const c of s.collect_k8s?.contexts ?? []) {
    const cluster = typeof c === 'string' ? c : (c.cluster ?? c.context);
    out.set(`${K8S_COLLECT_SOURCE}/${cluster}`, { id: `${K8S_COLLECT_SOURCE}/${cluster}`, cluster });
  }
  return [...out.values()].sort((a, b) => a.id.localeCompare(b.id));
}

/** The latest finished import of each watched source in the store, as Unix seconds (absent: never). */
export async function lastImports(store: Store, sources: WatchedSource[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const w of sources) {
    const at = w.cluster !== undefined ? await lastSnapshot(store, K8S_COLLECT_SOURCE, w.cluster) : await lastImportLike(store, w.like ?? '');
    if (at !== undefined) out.set(w.id, at);
  }
  return out;
}

export const lastSuccessKey = (prefix: string) => `${prefix}:source-last-success`;

// Moves a field forward only: a late, older report never undoes a newer one.
const RECORD = `local cur = tonumber(redis.call('hget', KEYS[1], ARGV[1]) or '0')
if tonumber(ARGV[2]) > cur then redis.call('hset', KEYS[1], ARGV[1], ARGV[2]) return 1 end
return 0`;

/** Records that a source delivered at `at`. */
export async function recordSourceSuccess(redis: Redis, prefix: string, source: string, at: Date): Promise<void> {
  await redis.eval(RECORD, 1, lastSuccessKey(prefix), source, String(Math.floor(at.getTime() / 1000)));
}

/** Every source's last success, Unix seconds. */
export async function readSourceSuccess(redis: Redis, prefix: string): Promise<Map<string, number>> {
  const h = await redis.hgetall(lastSuccessKey(prefix));
  return new Map(Object.entries(h).map(([k, v]) => [k, Number(v)]));
}

export interface FreshnessRow {
  source: string;
  last_import_at: string | null;
  age_hours: number | null;
  stale: boolean;
}

/** Each watched source's age at `now` against max_age_hours; a source that never delivered is stale. */
export function freshness(sources: WatchedSource[], last: Map<string, number>, now: Date, maxAgeHours: number): FreshnessRow[] {
  return sources.map((w) => {
    const at = last.get(w.id);
    const age = at === undefined ? null : (now.getTime() / 1000 - at) / 3600;
    return {
      source: w.id,
      last_import_at: at === undefined ? null : new Date(at * 1000).toISOString().replace(/\.000Z$/, 'Z'),
      age_hours: age === null ? null : Math.round(age * 10) / 10,
      stale: age === null || age > maxAgeHours,
    };
  });
}
