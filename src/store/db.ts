import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance, type DuckDBConnection, type DuckDBValue } from '@duckdb/node-api';
import { AllotError } from '../util/errors.ts';

const MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'migrations');

/** A row as DuckDB's JSON view gives it: DECIMALs and BIGINTs arrive as exact strings. */
export type Row = Record<string, unknown>;

export type Params = Record<string, DuckDBValue> | DuckDBValue[];

/** A command that only reads was pointed at a store file that is not there (a mistyped --db). */
export class StoreMissingError extends AllotError {
  override readonly retryable = false;
  constructor(readonly path: string) {
    super(`no store at ${path}: check --db (or ALLOT_DB); "allot ingest", "allot collect" and "allot demo" create one`);
  }
}

export interface OpenOptions {
  threads?: number;
  memoryLimit?: string;
  /** Open for reading only: no migration, and other read-only processes may have it open too. */
  readOnly?: boolean;
  /** Create the file if it is not there (default true; false throws StoreMissingError). */
  create?: boolean;
}

/**
 * The store: one DuckDB file with one connection. DuckDB allows one writing
 * process per file, or any number of read-only ones; see access.ts for who
 * opens it how, and jobs/ for the queue design.
 */
export class Store {
  private readonly closeHooks: (() => void)[] = [];

  private constructor(
    readonly path: string,
    readonly instance: DuckDBInstance,
    readonly conn: DuckDBConnection,
    readonly readOnly: boolean,
  ) {}

  /**
   * DuckDB's threads and memory_limit come from `opts`, else from
   * ALLOT_DUCKDB_THREADS / ALLOT_DUCKDB_MEMORY_LIMIT, else 2 and 1GB. Above
   * the limit DuckDB spills to `<db>.tmp/`; the process peaks at about the
   * limit plus 0.6 GB (a 10M-line-item month; see the README's benchmark).
   */
  static async open(path: string, opts: OpenOptions = {}): Promise<Store> {
    const readOnly = opts.readOnly ?? false;
    if (path !== ':memory:') {
      if ((readOnly || opts.create === false) && !existsSync(path)) throw new StoreMissingError(path);
      if (!readOnly) mkdirSync(dirname(path), { recursive: true });
    }
    const instance = await DuckDBInstance.create(path, {
      threads: String(opts.threads ?? (process.env.ALLOT_DUCKDB_THREADS || 2)),
      memory_limit: opts.memoryLimit ?? (process.env.ALLOT_DUCKDB_MEMORY_LIMIT || '1GB'),
      // Everything Allot needs is linked in; never try to download an extension.
      autoinstall_known_extensions: 'false',
      autoload_known_extensions: 'false',
      ...(readOnly ? { access_mode: 'READ_ONLY' } : {}),
    });
    const conn = await instance.connect();
    // Periods are UTC months; every timestamp is read and cut in UTC.
    await conn.run("SET TimeZone = 'UTC'");
    const store = new Store(path, instance, conn, readOnly);
    if (!readOnly) await store.migrate();
    return store;
  }

  private async appliedVersions(): Promise<Set<number>> {
    return new Set((await this.all<{ v: number }>('SELECT DISTINCT version AS v FROM schema_version')).map((r) => Number(r.v)));
  }

  /** True when the file has every migration of this version of Allot (a read-only open cannot apply them). */
  async upToDate(): Promise<boolean> {
    const exists = await this.one('SELECT 1 AS x FROM duckdb_tables() WHERE table_name = $1', ['schema_version']);
    if (exists === undefined) return false;
    const applied = await this.appliedVersions();
    return listMigrations().every((m) => applied.has(m.version));
  }

  /** Runs `fn` once the store is closed. */
  onClose(fn: () => void): void {
    this.closeHooks.push(fn);
  }

  /**
   * Applies each migrations/NNN-*.sql the file has not had, in order, each in
   * one transaction. By the versions recorded, not the highest one: a file
   * that got 010 before 006-009 existed (two lines of work merged later)
   * still gets them.
   */
  private async migrate(): Promise<void> {
    await this.run('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL, applied_at TIMESTAMP NOT NULL)');
    const applied = await this.appliedVersions();
    for (const { version, file } of listMigrations()) {
      if (applied.has(version)) continue;
      await this.transaction(async () => {
        await this.conn.run(readFileSync(join(MIGRATIONS_DIR, file), 'utf8'));
        await this.run('INSERT INTO schema_version VALUES ($1, now()::TIMESTAMP)', [version]);
      });
    }
  }

  async schemaVersion(): Promise<number> {
    return Number((await this.one('SELECT max(version) AS v FROM schema_version'))?.v ?? 0);
  }

  async run(sql: string, params?: Params): Promise<void> {
    await this.conn.run(sql, params as never);
  }

  /** All rows, DECIMAL/BIGINT as exact strings (never JS numbers for money). */
  async all<T = Row>(sql: string, params?: Params): Promise<T[]> {
    const reader = await this.conn.runAndReadAll(sql, params as never);
    return reader.getRowObjectsJson() as unknown as T[];
  }

  async one<T = Row>(sql: string, params?: Params): Promise<T | undefined> {
    return (await this.all<T>(sql, params))[0];
  }

  /** Runs `fn` in a transaction; any error rolls everything back. */
  async transaction<T>(fn: () => Promise<T>): Promise<T> {
    await this.conn.run('BEGIN TRANSACTION');
    try {
      const result = await fn();
      await this.conn.run('COMMIT');
      return result;
    } catch (err) {
      await this.conn.run('ROLLBACK').catch(() => undefined);
      throw err;
    }
  }

  close(): void {
    this.conn.closeSync();
    this.instance.closeSync();
    for (const fn of this.closeHooks.splice(0)) fn();
  }
}

export function listMigrations(): { version: number; file: string }[] {
  return readdirSync(MIGRATIONS_DIR)
    .filter((f) => /^\d{3}-.*\.sql$/.test(f))
    .sort()
    .map((file) => ({ version: Number(file.slice(0, 3)), file }));
}

/** Quotes a string literal for the rare SQL that cannot take a parameter (COPY, read_csv paths). */
export function sqlString(s: string): string {
  return `'${s.replaceAll("'", "''")}'`;
}
