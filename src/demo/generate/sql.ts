// SQL helpers of the generator: run a query, load a small table, quote literals.

import { mkdirSync, rmSync } from 'node:fs';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';

/**
 * An in-memory DuckDB for generating files: `tmp` (emptied first) takes its
 * spills; insertion order is kept so the same seed writes the same bytes.
 */
export async function generatorDb(tmp: string, memoryLimit = '900MB'): Promise<{ db: DuckDBInstance; conn: DuckDBConnection }> {
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const db = await DuckDBInstance.create(':memory:', {
    threads: '2',
    memory_limit: memoryLimit,
    temp_directory: tmp,
    preserve_insertion_order: 'true',
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'false',
  });
  const conn = await db.connect();
  await conn.run("SET TimeZone = 'UTC'");
  return { db, conn };
}

export async function all(conn: DuckDBConnection, sql: string): Promise<Record<string, unknown>[]> {
  const reader = await conn.runAndReadAll(sql);
  return reader.getRowObjectsJson() as Record<string, unknown>[];
}

export async function table(conn: DuckDBConnection, name: string, cols: string, rows: unknown[][]): Promise<void> {
  await conn.run(`CREATE TABLE ${name} (${cols})`);
  // Batches keep statements a reasonable size for the 300-team bench org.
  for (let i = 0; i < rows.length; i += 500) {
    const values = rows.slice(i, i + 500).map((r) => `(${r.map(lit).join(', ')})`).join(',\n');
    await conn.run(`INSERT INTO ${name} VALUES ${values}`);
  }
}

/** A SQL literal for a small model value (strings quoted, lists as LIST literals). */
export function lit(v: unknown): string {
  if (v === null || v === undefined) return 'NULL';
  if (typeof v === 'boolean') return v ? 'TRUE' : 'FALSE';
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error(`not a finite number: ${v}`);
    return String(v);
  }
  if (Array.isArray(v)) return `[${v.map(lit).join(', ')}]::VARCHAR[]`;
  return `'${String(v).replace(/'/g, "''")}'`;
}

export function sqlList(xs: number[]): string {
  return `([${xs.join(", ")}]::DOUBLE[])`;
}
