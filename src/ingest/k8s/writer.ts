import {
  DuckDBDataChunk,
  DuckDBDecimalValue,
  DuckDBMapValue,
  DuckDBTimestampValue,
  type DuckDBAppender,
  type DuckDBType,
  type DuckDBValue,
} from '@duckdb/node-api';
import type { Store } from '../../store/db.ts';
import { sqlFolder } from '../../store/sql.ts';
import { coresToMicros, formatMicros, type Snapshot } from './snapshot.ts';

const sql = sqlFolder(new URL('./sql/', import.meta.url));

/**
 * Writes validated snapshots into k8s_snapshots, k8s_nodes, k8s_namespaces
 * and k8s_pods under one import id, inside the caller's transaction (a
 * rollback leaves nothing). Rows go through DuckDB appenders in data chunks
 * of 2048 rows: row-by-row INSERTs would not do 4 million pods, and a chunk
 * takes DECIMAL(18,6) as the exact scaled integer (micro-cores), so no
 * binary-float conversion happens on the way in. Writing straight into the
 * tables, rather than into TEMP stage tables moved with INSERT … SELECT, keeps
 * memory flat: DuckDB keeps a transaction's deleted stage rows until commit,
 * while appended rows of a persistent table are written out as they fill.
 */
export class SnapshotWriter {
  private closed = false;

  private constructor(
    private readonly importId: number,
    private readonly snapshots: ChunkAppender,
    private readonly nodes: ChunkAppender,
    private readonly namespaces: ChunkAppender,
    private readonly pods: ChunkAppender,
  ) {}

  /** Opens appenders on the k8s tables for import `importId`. Call inside store.transaction(). */
  static async open(store: Store, importId: number): Promise<SnapshotWriter> {
    const open = async (table: keyof typeof COLUMNS) => {
      await checkColumns(store, table);
      return new ChunkAppender(await store.conn.createAppender(table));
    };
    return new SnapshotWriter(
      importId,
      await open('k8s_snapshots'),
      await open('k8s_nodes'),
      await open('k8s_namespaces'),
      await open('k8s_pods'),
    );
  }

  /** Appends one validated snapshot whose ts is `micros` (UTC). */
  add(s: Snapshot, micros: bigint): void {
    const id = this.importId;
    const ts = new DuckDBTimestampValue(micros);
    const cluster = s.cluster;

    let c = this.snapshots.cols;
    c[0]!.push(id);
    c[1]!.push(cluster);
    c[2]!.push(ts);
    c[3]!.push(formatMicros(micros).slice(0, 7)); // period: YYYY-MM of ts in UTC
    c[4]!.push(s.window_seconds);
    c[5]!.push(null);
    this.snapshots.endRow();

    for (const n of s.nodes) {
      c = this.nodes.cols;
      c[0]!.push(id);
      c[1]!.push(cluster);
      c[2]!.push(ts);
      c[3]!.push(n.name);
      c[4]!.push(n.provider_id ?? null);
      c[5]!.push(n.instance_type ?? null);
      c[6]!.push(cores(n.cpu_capacity_cores));
      c[7]!.push(BigInt(n.memory_capacity_bytes));
      c[8]!.push(labels(n.labels));
      this.nodes.endRow();
    }

    for (const n of s.namespaces) {
      c = this.namespaces.cols;
      c[0]!.push(id);
      c[1]!.push(cluster);
      c[2]!.push(ts);
      c[3]!.push(n.name);
      c[4]!.push(labels(n.labels));
      this.namespaces.endRow();
    }

    for (const p of s.pods) {
      c = this.pods.cols;
      c[0]!.push(id);
      c[1]!.push(cluster);
      c[2]!.push(ts);
      c[3]!.push(p.namespace);
      c[4]!.push(p.name);
      c[5]!.push(p.node ?? null);
      c[6]!.push(cores(p.cpu_request_cores));
      c[7]!.push(p.cpu_usage_cores == null ? null : cores(p.cpu_usage_cores));
      c[8]!.push(BigInt(p.memory_request_bytes));
      c[9]!.push(p.memory_usage_bytes == null ? null : BigInt(p.memory_usage_bytes));
      this.pods.endRow();
    }
  }

  /** Appends what is buffered and closes the appenders; with `discard`, drops it instead. */
  close(discard: boolean): void {
    if (this.closed) return;
    this.closed = true;
    let failure: unknown;
    for (const a of [this.snapshots, this.nodes, this.namespaces, this.pods]) {
      try {
        a.close(discard);
      } catch (e) {
        failure ??= e;
      }
    }
    if (failure !== undefined && !discard) throw failure;
  }
}

function cores(n: number): DuckDBDecimalValue {
  return new DuckDBDecimalValue(BigInt(coresToMicros(n)), 18, 6);
}

function labels(l: Record<string, string> | null | undefined): DuckDBMapValue | null {
  if (l == null) return null;
  return new DuckDBMapValue(Object.entries(l).map(([key, value]) => ({ key, value })));
}

/** The column order add() writes in; checked against the store so a migration cannot silently shift values. */
const COLUMNS = {
  k8s_snapshots: ['import_id', 'cluster', 'ts', 'period', 'window_seconds', 'superseded_by'],
  k8s_nodes: ['import_id', 'cluster', 'ts', 'name', 'provider_id', 'instance_type', 'cpu_capacity_cores', 'memory_capacity_bytes', 'labels'],
  k8s_namespaces: ['import_id', 'cluster', 'ts', 'name', 'labels'],
  k8s_pods: [
    'import_id', 'cluster', 'ts', 'namespace', 'name', 'node',
    'cpu_request_cores', 'cpu_usage_cores', 'memory_request_bytes', 'memory_usage_bytes',
  ],
} as const;

async function checkColumns(store: Store, table: keyof typeof COLUMNS): Promise<void> {
  const rows = await store.all<{ column_name: string }>(sql('table-columns'), [table]);
  const actual = rows.map((r) => r.column_name).join(', ');
  const expected = COLUMNS[table].join(', ');
  if (actual !== expected) throw new Error(`${table} has columns (${actual}); the snapshot writer expects (${expected})`);
}

/** An appender fed a column-major data chunk of up to 2048 rows at a time. */
class ChunkAppender {
  /** Values of the rows not yet appended, one array per table column. */
  cols: DuckDBValue[][];
  private rows = 0;
  private readonly types: DuckDBType[];
  private readonly chunk: DuckDBDataChunk;
  private readonly max: number;

  constructor(private readonly appender: DuckDBAppender) {
    this.types = Array.from({ length: appender.columnCount }, (_, i) => appender.columnType(i));
    this.chunk = DuckDBDataChunk.create(this.types);
    this.max = 2048; // DuckDB's vector size
    this.cols = this.types.map(() => []);
  }

  endRow(): void {
    if (++this.rows === this.max) this.flush();
  }

  flush(): void {
    if (this.rows === 0) return;
    this.chunk.rowCount = this.rows;
    this.chunk.setColumns(this.cols);
    this.appender.appendDataChunk(this.chunk);
    this.chunk.reset(); // frees the chunk's string heap for the next rows
    this.cols = this.types.map(() => []);
    this.rows = 0;
  }

  close(discard: boolean): void {
    if (discard) {
      this.rows = 0;
      this.cols = this.types.map(() => []);
      this.appender.clear();
    } else {
      this.flush();
    }
    this.appender.closeSync();
  }
}
