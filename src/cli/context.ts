import { existsSync } from 'node:fs';
import { loadConfigFile, type LoadedConfig } from '../config/load.ts';
import { cliHolder, openForRead, openForWrite, publishSnapshot, snapshotFile } from '../store/access.ts';
import type { Store } from '../store/db.ts';
import { jsonSafe, terminalSafe } from './format.ts';
import { snakeKeys } from '../util/json.ts';

/** Global flags every command receives. */
export interface GlobalOptions {
  config: string;
  db: string;
  json: boolean;
  verbose: boolean;
  /** Seconds to wait for a store another process is writing (default 300). */
  waitStore?: number;
}

/** What a command needs from the outside world, opened lazily and closed once. */
export class Context {
  private store?: Store;
  private writing = false;
  private loaded?: LoadedConfig;

  constructor(
    readonly opts: GlobalOptions,
    // Billing data reaches these lines: control characters are shown, never sent to the terminal raw.
    readonly out: (line: string) => void = (l) => process.stdout.write(`${terminalSafe(l)}\n`),
    readonly err: (line: string) => void = (l) => process.stderr.write(`${terminalSafe(l)}\n`),
    /** The command, as the store's holder file names it ("ingest focus"). */
    readonly command = 'command',
  ) {}

  private wait() {
    return { waitMs: (this.opts.waitStore ?? 300) * 1000, onWait: (m: string) => this.err(`allot: ${m}`) };
  }

  /**
   * The store, open for writing: waits (visibly) while a worker or another
   * command has it. Only commands that import data may create it; for the
   * others a missing file is an error (a mistyped --db).
   */
  async db(o: { create?: boolean } = {}): Promise<Store> {
    if (this.store && !this.writing) throw new Error('the store is already open for reading');
    this.store ??= await openForWrite(this.opts.db, { ...this.wait(), create: o.create ?? false, what: cliHolder(this.command) });
    this.writing = true;
    return this.store;
  }

  /**
   * The store, open for reading only: never blocks other readers. While a
   * worker writes it, the snapshot it published is read instead (and this
   * says so on stderr); without a snapshot it waits like a writer.
   */
  async readDb(): Promise<Store> {
    if (this.store) return this.store;
    const r = await openForRead(this.opts.db, this.wait());
    if (r.snapshot) {
      this.err(
        `allot: the store is busy (held by ${r.snapshot.holder}): reading the snapshot published ${r.snapshot.published_at} ` +
          `by ${r.snapshot.by}; what the running job writes is not in it yet`,
      );
    }
    this.store = r.store;
    return this.store;
  }

  config(): LoadedConfig {
    this.loaded ??= loadConfigFile(this.opts.config);
    return this.loaded;
  }

  /** Prints a value as JSON (with --json; field names snake_case) or via the human formatter. */
  print(value: unknown, human: () => void): void {
    if (this.opts.json) this.out(jsonSafe(JSON.stringify(snakeKeys(value), null, 2)));
    else human();
  }

  /** Closes the store; a command that wrote it refreshes the readers' snapshot, if the deployment keeps one. */
  async close(): Promise<void> {
    const store = this.store;
    this.store = undefined;
    if (!store) return;
    try {
      if (this.writing && existsSync(snapshotFile(store.path))) await publishSnapshot(store, cliHolder(this.command));
    } catch (e) {
      this.err(`allot: warning: the readers' snapshot was not refreshed: ${(e as Error).message}`);
    } finally {
      store.close();
    }
  }
}
