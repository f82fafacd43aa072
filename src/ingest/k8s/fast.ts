import type { Store } from '../../store/db.ts';
import { nextImportId } from '../../store/imports.ts';
import { sqlFolder } from '../../store/sql.ts';
import { findSameContent, recordNoop } from '../commit.ts';
import { finishImport, noopResult, type ClusterStats, type SnapshotImportMeta, type SnapshotImportResult } from './commit.ts';
import { formatMicros, timestampMicros, validateSnapshot } from './snapshot.ts';

/*
 * A snapshot file read by DuckDB: read_json with every column's type
 * declared, the contract checked in SQL while rows are written, all in one
 * transaction. This path never words an error. When anything is wrong (a
 * value the contract refuses, JSON DuckDB cannot read, or anything else) it
 * rolls back and says so, and the caller reads the file line by line
 * (files.ts), which refuses it with the exact `FILE:LINE: field …` message
 * or imports it. Only files that scan.ts found free of what DuckDB reads
 * differently from JSON.parse come here.
 */

const sql = sqlFolder(new URL('./sql/', import.meta.url));

/** Given back: nothing written; `importId`, when set, was taken from the sequence and is the line reader's to use. */
export type FastImport = { ok: true; result: SnapshotImportResult } | { ok: false; why: string; importId?: number };

/** Why the fast path gave a file back to the line reader (never shown as an error). */
class GiveBack extends Error {}

/** One line's snapshot-level values as DuckDB read them (JSON text). */
export interface LineValues {
  cluster_json: string | null;
  ts_json: string | null;
  window_json: string | null;
  no_nodes: boolean;
  no_namespaces: boolean;
}

/** A snapshot whose cluster, ts and window passed snapshot.ts, keyed by its JSON text for joining the lines read again. */
export interface CheckedSnapshot {
  cluster_json: string;
  ts_json: string;
  cluster: string;
  micros: string;
  period: string;
  window_seconds: number;
}

/**
 * Checks the snapshot-level values of each line with validateSnapshot (its
 * lists are checked in SQL), and that no (cluster, ts) comes twice. Pure.
 * Undefined when any line fails: the line reader says how.
 */
export function checkLines(lines: LineValues[]): { snapshots: CheckedSnapshot[]; clusters: Map<string, ClusterStats> } | undefined {
  const snapshots: CheckedSnapshot[] = [];
  const clusters = new Map<string, ClusterStats>();
  const seen = new Set<string>();
  for (const l of lines) {
    if (l.cluster_json === null || l.ts_json === null || l.window_json === null || l.no_nodes || l.no_namespaces) return undefined;
    let parsed: { cluster: unknown; ts: unknown; window_seconds: unknown };
    try {
      parsed = { cluster: JSON.parse(l.cluster_json), ts: JSON.parse(l.ts_json), window_seconds: JSON.parse(l.window_json) };
    } catch {
      return undefined;
    }
    const v = validateSnapshot({ ...parsed, nodes: [], namespaces: [], pods: [] });
    if (!v.ok) return undefined;
    const { cluster, ts, window_seconds } = v.value;
    const micros = timestampMicros(ts)!;
    const key = `${cluster}\u0000${micros}`;
    if (seen.has(key)) return undefined;
    seen.add(key);
    snapshots.push({ cluster_json: l.cluster_json, ts_json: l.ts_json, cluster, micros: String(micros), period: formatMicros(micros).slice(0, 7), window_seconds });
    const c = clusters.get(cluster);
    if (c) {
      c.snapshots++;
      if (micros < c.from) c.from = micros;
      if (micros > c.to) c.to = micros;
    } else {
      clusters.set(cluster, { snapshots: 1, from: micros, to: micros, pods: 0, podsWithUsage: 0 });
    }
  }
  return snapshots.length ? { snapshots, clusters } : undefined;
}

const count = (rows: { Count?: unknown }[]) => Number(rows[0]?.Count ?? 0);

/**
 * Imports one snapshot file (JSONL, or gzipped) through DuckDB, all or
 * nothing; `{ ok: false }` when it wrote nothing and the line reader must
 * read it. Call outside any transaction of your own.
 */
export async function importSnapshotFileFast(store: Store, meta: SnapshotImportMeta & { sha256: string }, gzip: boolean): Promise<FastImport> {
  const startedMicros = BigInt(Date.now()) * 1000n;
  const compression = gzip ? 'gzip' : 'uncompressed';
  let id: number | undefined;
  try {
    const result = await store.transaction(async () => {
      const same = await findSameContent(store, meta.source, meta.sha256);
      if (same !== undefined) return noopResult(await recordNoop(store, { ...meta, rowsRead: 0 }, same), meta.file);

      // A sequence does not roll back: a file given back hands this id to the line reader, so
      // that ids are the same whichever reader imports a file.
      id = await nextImportId(store);
      await store.conn.run(sql('fast-macros'));
      await store.run(sql('fast-lines'), [meta.file, compression]);
      const lines = await store.all<LineValues>(sql('fast-line-values'));
      const checked = checkLines(lines);
      if (!checked) throw new GiveBack('a snapshot-level value the contract refuses, or no snapshots');
      await store.run(sql('fast-snapshots'), [JSON.stringify(checked.snapshots)]);
      const snapshots = count(await store.all(sql('fast-write-snapshots'), [id]));
      const nodes = count(await store.all(sql('fast-write-nodes'), [id]));
      const namespaces = count(await store.all(sql('fast-write-namespaces'), [id]));
      await store.run('DROP TABLE k8s_fast_lines');
      count(await store.all(sql('fast-write-pods'), [meta.file, compression, id]));
      for (const r of await store.all<{ cluster: string; pods: number; with_usage: number }>(sql('fast-pod-counts'), [id])) {
        const c = checked.clusters.get(r.cluster)!;
        c.pods = r.pods;
        c.podsWithUsage = r.with_usage;
      }
      await store.run('DROP TABLE k8s_fast_snapshots');
      if (snapshots !== lines.length) throw new GiveBack(`wrote ${snapshots} snapshots of ${lines.length} lines`);
      return finishImport(store, id, meta, { rowsRead: lines.length, nodes, namespaces, clusters: checked.clusters, startedMicros });
    });
    return { ok: true, result };
  } catch (e) {
    return { ok: false, why: (e as Error).message, ...(id !== undefined ? { importId: id } : {}) };
  }
}
