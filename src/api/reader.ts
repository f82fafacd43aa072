// How `allot serve` reads the store without getting in the writers' way.
// DuckDB lets a file be open for writing by one process or for reading by
// many, never both. So the server reads the snapshot the writers publish
// (store/access.ts) whenever there is one, and otherwise opens the live store
// read-only for one request at a time and closes it right after: a writer
// waits for one request at most.
import { existsSync, statSync } from 'node:fs';
import { openForRead, snapshotFile } from '../store/access.ts';
import { Store } from '../store/db.ts';

export interface ReadOptions {
  /** How long a request waits for a store a writer holds (no snapshot), in ms. */
  waitMs: number;
}

export class StoreReader {
  private queue: Promise<unknown> = Promise.resolve();
  private snapshot?: { store: Store; version: string };

  constructor(readonly db: string, private readonly o: ReadOptions) {}

  /**
   * Runs `fn` on a read-only store, one call at a time. `version` names what
   * was read (file and modification time), for caches.
   */
  read<T>(fn: (store: Store, version: string) => Promise<T>): Promise<T> {
    const next = this.queue.then(() => this.readNow(fn));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async readNow<T>(fn: (store: Store, version: string) => Promise<T>): Promise<T> {
    const snap = snapshotFile(this.db);
    if (existsSync(snap)) {
      const version = `${snap}@${statSync(snap).mtimeMs}`;
      if (this.snapshot?.version !== version) {
        this.snapshot?.store.close();
        this.snapshot = undefined;
        // A snapshot is replaced by rename: the open file stays whole until closed.
        const store = await Store.open(snap, { readOnly: true });
        if (await store.upToDate()) this.snapshot = { store, version };
        else store.close();
      }
      if (this.snapshot) return fn(this.snapshot.store, this.snapshot.version);
    }
    const { store } = await openForRead(this.db, { waitMs: this.o.waitMs, snapshot: false });
    try {
      return await fn(store, `${this.db}@${statSync(this.db).mtimeMs}`);
    } finally {
      store.close();
    }
  }

  close(): void {
    this.snapshot?.store.close();
    this.snapshot = undefined;
  }
}
