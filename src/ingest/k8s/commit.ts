import type { Store } from '../../store/db.ts';
import { nextImportId, recordImport } from '../../store/imports.ts';
import { sqlFolder } from '../../store/sql.ts';
import { InputError } from '../../util/errors.ts';
import { findSameContent, recordNoop, type ImportMeta, type ImportResult } from '../commit.ts';
import { formatMicros, timestampMicros, validateSnapshot, type Snapshot } from './snapshot.ts';
import { SnapshotWriter } from './writer.ts';

const sql = sqlFolder(new URL('./sql/', import.meta.url));

/** The (cluster, ts) range one import covers: stored as `imports.coverage`. */
export interface SnapshotCoverage {
  cluster: string;
  from: string;
  to: string;
  snapshots: number;
  pods: number;
}

/** ImportResult plus what `ingest k8s` reports per file. */
export interface SnapshotImportResult extends ImportResult {
  file: string;
  /** Snapshots written (= rowsLoaded). */
  snapshots: number;
  nodes: number;
  namespaces: number;
  /** Pod rows written. */
  pods: number;
  clusters: string[];
  /** First and last snapshot ts (UTC, ISO 8601); null for a no-op. */
  from: string | null;
  to: string | null;
  /** Earlier snapshots, same (cluster, ts), that this import replaced. */
  replacedSnapshots: number;
  coverage: SnapshotCoverage[];
}

/** What describes an import of snapshots; rows are counted while reading. */
export type SnapshotImportMeta = Pick<ImportMeta, 'source' | 'file' | 'format' | 'sha256'>;

/**
 * One input line (or in-memory snapshot) on its way to validation: a parsed
 * value, or the JSON syntax error that stopped parsing it. `line` is 1-based.
 */
export type SnapshotItem = { line: number; value: unknown } | { line: number; syntaxError: string };

/**
 * Imports snapshots built in memory (collector, Prometheus backfill) through
 * the same validation and commit path as files. Item N is reported as
 * "line N" in errors. All or nothing, in one transaction: call it outside
 * any transaction of your own. With meta.sha256 set, content already
 * imported from the same source is a no-op.
 */
export async function commitSnapshots(
  store: Store,
  meta: SnapshotImportMeta,
  snapshots: AsyncIterable<Snapshot> | Iterable<Snapshot>,
): Promise<SnapshotImportResult> {
  async function* numbered(): AsyncGenerator<SnapshotItem> {
    let line = 0;
    for await (const value of snapshots) yield { line: ++line, value };
  }
  return importSnapshotItems(store, meta, numbered());
}

/** What an import wrote of one cluster, for its coverage and notes. */
export interface ClusterStats {
  snapshots: number;
  from: bigint;
  to: bigint;
  pods: number;
  podsWithUsage: number;
}

/**
 * The one path every snapshot takes into the store: validate each item,
 * append it to k8s_* under a new import id, then mark earlier
 * snapshots of the same (cluster, ts) superseded and log the import. The
 * first bad item fails the whole import (the rest are still checked, so the
 * error says how many more are bad); nothing is written.
 */
export async function importSnapshotItems(
  store: Store,
  meta: SnapshotImportMeta,
  items: AsyncIterable<SnapshotItem>,
  /** An id already taken from import_id_seq for this content (by the DuckDB reader that gave the file back). */
  takenId?: number,
): Promise<SnapshotImportResult> {
  const startedMicros = BigInt(Date.now()) * 1000n;
  return store.transaction(async () => {
    if (meta.sha256) {
      const same = await findSameContent(store, meta.source, meta.sha256);
      if (same !== undefined) return noopResult(await recordNoop(store, { ...meta, rowsRead: 0 }, same), meta.file);
    }
    const id = takenId ?? (await nextImportId(store));
    const writer = await SnapshotWriter.open(store, id);
    try {
      const clusters = new Map<string, ClusterStats>();
      const seen = new Map<string, number>(); // cluster + ts -> line
      let rowsRead = 0;
      let nodes = 0;
      let namespaces = 0;
      let first: { line: number; why: string } | undefined;
      let more = 0;
      const fail = (line: number, why: string) => {
        if (first) more++;
        else first = { line, why };
      };

      for await (const item of items) {
        rowsRead++;
        if ('syntaxError' in item) {
          fail(item.line, `invalid JSON: ${item.syntaxError}`);
          continue;
        }
        const v = validateSnapshot(item.value);
        if (!v.ok) {
          fail(item.line, v.field ? `field ${v.field}: ${v.why}` : v.why);
          continue;
        }
        const s = v.value;
        const micros = timestampMicros(s.ts)!;
        const key = `${s.cluster}\u0000${micros}`;
        const earlier = seen.get(key);
        if (earlier !== undefined) {
          fail(item.line, `field ts: a second snapshot of cluster ${s.cluster} at ${formatMicros(micros)} (first on line ${earlier})`);
          continue;
        }
        seen.set(key, item.line);
        if (first) continue; // only checking the rest now
        writer.add(s, micros);
        nodes += s.nodes.length;
        namespaces += s.namespaces.length;
        let withUsage = 0;
        for (const p of s.pods) if (p.cpu_usage_cores != null || p.memory_usage_bytes != null) withUsage++;
        const c = clusters.get(s.cluster);
        if (c) {
          c.snapshots++;
          if (micros < c.from) c.from = micros;
          if (micros > c.to) c.to = micros;
          c.pods += s.pods.length;
          c.podsWithUsage += withUsage;
        } else {
          clusters.set(s.cluster, { snapshots: 1, from: micros, to: micros, pods: s.pods.length, podsWithUsage: withUsage });
        }
      }
      if (first) throw new InputError(meta.file, first.line, undefined, first.why, more);
      if (clusters.size === 0) throw new InputError(meta.file, undefined, undefined, 'no snapshots to import (the input is empty)');
      writer.close(false);
      return await finishImport(store, id, meta, { rowsRead, nodes, namespaces, clusters, startedMicros });
    } finally {
      // On success already closed; on failure drop whatever is still buffered.
      writer.close(true);
    }
  });
}

/** Replacement and the import log, once every snapshot of import `id` is in k8s_*. */
export async function finishImport(
  store: Store,
  id: number,
  meta: SnapshotImportMeta,
  r: { rowsRead: number; nodes: number; namespaces: number; clusters: Map<string, ClusterStats>; startedMicros: bigint },
): Promise<SnapshotImportResult> {
  // A later snapshot of the same (cluster, ts) replaces the earlier one; allocation reads only current ones.
  const replaced = await store.all<{ import_id: number }>(sql('supersede-snapshots'), [id]);
  const replacedIds = [...new Set(replaced.map((x) => x.import_id))].sort((a, b) => a - b);
  if (replacedIds.length) {
    // An earlier import none of whose snapshots is still current is superseded as a whole.
    await store.run(sql('supersede-imports'), [id]);
  }

  const names = [...r.clusters.keys()].sort();
  const coverage: SnapshotCoverage[] = names.map((cluster) => {
    const c = r.clusters.get(cluster)!;
    return { cluster, from: formatMicros(c.from), to: formatMicros(c.to), snapshots: c.snapshots, pods: c.pods };
  });
  const snapshots = coverage.reduce((n, c) => n + c.snapshots, 0);
  const pods = coverage.reduce((n, c) => n + c.pods, 0);
  let from = r.clusters.get(names[0]!)!.from;
  let to = from;
  for (const c of r.clusters.values()) {
    if (c.from < from) from = c.from;
    if (c.to > to) to = c.to;
  }

  const notes: string[] = [];
  const noUsage = names.filter((n) => {
    const c = r.clusters.get(n)!;
    return c.pods > 0 && c.podsWithUsage === 0;
  });
  if (noUsage.length && noUsage.length === names.length) notes.push('no usage data: requests only');
  else if (noUsage.length) notes.push(`no usage data for cluster ${noUsage.join(', ')}: requests only`);
  if (replacedIds.length) {
    notes.push(`replaces ${replaced.length} snapshot${replaced.length === 1 ? '' : 's'} of import ${replacedIds.map((x) => `#${x}`).join(', ')}`);
  }
  const note = notes.length ? notes.join('; ') : undefined;

  await recordImport(store, {
    importId: id, source: meta.source, file: meta.file, sha256: meta.sha256, format: meta.format, rowsRead: r.rowsRead, rowsLoaded: snapshots,
    rowsRejected: 0, coverage: JSON.stringify(coverage), note: note ?? null, startedMicros: r.startedMicros, finishedMicros: BigInt(Date.now()) * 1000n,
  });
  return {
    importId: id,
    status: 'active',
    rowsRead: r.rowsRead,
    rowsLoaded: snapshots,
    rowsRejected: 0,
    replaced: replacedIds,
    ...(note ? { note } : {}),
    file: meta.file,
    snapshots,
    nodes: r.nodes,
    namespaces: r.namespaces,
    pods,
    clusters: names,
    from: formatMicros(from),
    to: formatMicros(to),
    replacedSnapshots: replaced.length,
    coverage,
  };
}

export function noopResult(r: ImportResult, file: string): SnapshotImportResult {
  return { ...r, file, snapshots: 0, nodes: 0, namespaces: 0, pods: 0, clusters: [], from: null, to: null, replacedSnapshots: 0, coverage: [] };
}
