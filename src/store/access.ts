// Who opens the store, and how, so that operators can always read.
//
// DuckDB lets one process open a file for writing, or any number of processes
// for reading only, never both at once. Workers write the store in short jobs
// (a Kubernetes snapshot every few minutes, the daily pulls, the monthly
// steps); operators read it (status, explain, export, reports).
//
//   holder file  `<store>.holder.json`: who has the file open for writing
//                (a worker and its job, or a CLI command and its user), so a
//                process that has to wait can say for whom. DuckDB's own
//                lock error names the PID; the file adds the job.
//   snapshot     `<name>.snapshot.duckdb` next to the store: a copy the
//                writer publishes when it is done (workers after every store
//                job; CLI writers when a snapshot exists), checkpointed and
//                atomically renamed into place. A reader that finds the live
//                store busy reads the snapshot at once and says how old it is;
//                a future read API reads only the snapshot.
//   waiting      without a snapshot, readers wait for the live store, and
//                writers always do: one visible line "waiting for the store
//                (held by …)", polling until it is free or the wait is over.
//
// Copying the file must happen in another process: closing any descriptor of
// a file drops every POSIX lock this process holds on it, DuckDB's included.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { promisify } from 'node:util';
import { AllotError } from '../util/errors.ts';
import { Store, StoreMissingError } from './db.ts';

/** The store stayed busy (another process had it open for writing) for longer than the wait. */
export class StoreBusyError extends AllotError {}

export interface StoreHolder {
  pid: number;
  host: string;
  /** "worker host:123 for job monthly-2026-10-attribute", "allot attribute (alice)". */
  what: string;
  since: string;
}

export interface SnapshotInfo {
  file: string;
  published_at: string;
  /** Who published it after what. */
  by: string;
}

export const holderFile = (db: string): string => `${db}.holder.json`;
export const snapshotFile = (db: string): string => `${db.replace(/\.duckdb$/i, '')}.snapshot.duckdb`;
const snapshotMeta = (db: string): string => `${snapshotFile(db)}.json`;

const LOCK_CONFLICT = /Could not set lock on file|Conflicting lock/i;

export function isLockConflict(e: unknown): boolean {
  return LOCK_CONFLICT.test((e as Error | undefined)?.message ?? '');
}

function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

/**
 * Who holds the file, in words: the holder file when it matches the PID in
 * DuckDB's lock error (or when the error has none), else the PID and program
 * from the error.
 */
export function describeHolder(db: string, lockError?: unknown): string {
  const msg = (lockError as Error | undefined)?.message ?? '';
  const m = /held in (.+?) \(PID (\d+)\)/.exec(msg);
  const h = readJson<StoreHolder>(holderFile(db));
  if (h && (!m || (Number(m[2]) === h.pid && h.host === hostname()))) return `${h.what}, since ${h.since}`;
  if (m) return `process ${m[2]} (${m[1]})`;
  return 'another process';
}

/** Records who has the file open for writing, removed when the store closes. */
export function recordHolder(store: Store, what: string): void {
  const file = holderFile(store.path);
  const holder: StoreHolder = { pid: process.pid, host: hostname(), what, since: new Date().toISOString().replace(/\.\d+Z$/, 'Z') };
  try {
    writeFileAtomic(file, `${JSON.stringify(holder)}\n`);
  } catch {
    return; // a read-only directory: the holder is then named by PID only
  }
  store.onClose(() => {
    if (readJson<StoreHolder>(file)?.pid === process.pid) rmSync(file, { force: true });
  });
}

function writeFileAtomic(file: string, text: string): void {
  // Never the store file itself: closing this descriptor drops no lock of the store.
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export interface WaitOptions {
  /** How long to wait for a busy store, in ms (0: not at all). */
  waitMs: number;
  /** Told once, when it has to wait: "waiting for the store (held by …)". */
  onWait?: (message: string) => void;
}

/** Opens with `open`, retrying while another process holds the file, up to waitMs. */
async function whenFree(db: string, o: WaitOptions, open: () => Promise<Store>): Promise<Store> {
  const deadline = Date.now() + o.waitMs;
  let told = false;
  let pause = 100;
  for (;;) {
    try {
      return await open();
    } catch (e) {
      if (!isLockConflict(e)) throw e;
      const holder = describeHolder(db, e);
      if (Date.now() >= deadline) {
        throw new StoreBusyError(
          `the store ${db} is busy: held by ${holder}` +
            (o.waitMs > 0 ? ` for more than ${Math.round(o.waitMs / 1000)} s` : '') +
            '; try again when it is done ("allot jobs" shows the running jobs), or wait longer with --wait-store SECONDS',
        );
      }
      if (!told) {
        o.onWait?.(`waiting for the store (held by ${holder}); up to ${Math.round(o.waitMs / 1000)} s`);
        told = true;
      }
      await sleep(Math.min(pause, Math.max(0, deadline - Date.now())));
      pause = Math.min(pause * 2, 1_000);
    }
  }
}

export interface WriteOptions extends WaitOptions {
  /** May create the file (ingest, collect, demo); otherwise a missing file is StoreMissingError. */
  create?: boolean;
  /** Who is writing, for the holder file. */
  what: string;
}

/** Opens the store for writing: waits while another process has it (visibly), records the holder. */
export async function openForWrite(db: string, o: WriteOptions): Promise<Store> {
  if (!o.create && !existsSync(db)) throw new StoreMissingError(db);
  const store = await whenFree(db, o, () => Store.open(db, { create: o.create ?? false }));
  recordHolder(store, o.what);
  return store;
}

export interface ReadOptions extends WaitOptions {
  /** Read the published snapshot when the live store is busy (default true). */
  snapshot?: boolean;
}

export interface OpenedForRead {
  store: Store;
  /** Set when the live store was busy and the snapshot is what is read. */
  snapshot?: SnapshotInfo & { holder: string };
}

/**
 * Opens the store for reading only. Other readers never block it; a writer
 * does: then the snapshot is read if there is one, else it waits like a
 * writer. A store of an older schema is upgraded first (briefly for writing).
 */
export async function openForRead(db: string, o: ReadOptions): Promise<OpenedForRead> {
  if (!existsSync(db)) throw new StoreMissingError(db);
  const snap = snapshotFile(db);
  const attempt = () => Store.open(db, { readOnly: true });
  let store: Store;
  try {
    store = await attempt();
  } catch (e) {
    if (!isLockConflict(e)) throw e;
    if ((o.snapshot ?? true) && existsSync(snap)) {
      const s = await Store.open(snap, { readOnly: true });
      if (await s.upToDate()) {
        const meta = readJson<SnapshotInfo>(snapshotMeta(db));
        const published = meta?.published_at ?? statSync(snap).mtime.toISOString();
        return { store: s, snapshot: { file: snap, published_at: published, by: meta?.by ?? 'unknown', holder: describeHolder(db, e) } };
      }
      s.close(); // from an older Allot: the live store will do
    }
    store = await whenFree(db, o, attempt);
  }
  if (await store.upToDate()) return { store };
  store.close();
  (await openForWrite(db, { ...o, what: 'allot (upgrading the store for a reader)' })).close();
  return { store: await whenFree(db, o, attempt) };
}

/**
 * Publishes a copy of the store for readers, while this process still has it
 * open for writing (so nobody writes meanwhile): CHECKPOINT, copy in a child
 * process (a reflink where the file system has them), rename into place.
 */
export async function publishSnapshot(store: Store, by: string): Promise<SnapshotInfo> {
  if (store.readOnly) throw new Error('publishSnapshot needs the store open for writing');
  const file = snapshotFile(store.path);
  const tmp = `${file}.tmp-${process.pid}`;
  await store.run('CHECKPOINT');
  await promisify(execFile)(process.execPath, [
    '-e', 'const fs = require("node:fs"); fs.copyFileSync(process.argv[1], process.argv[2], fs.constants.COPYFILE_FICLONE)', store.path, tmp,
  ]);
  const info: SnapshotInfo = { file, published_at: new Date().toISOString().replace(/\.\d+Z$/, 'Z'), by };
  renameSync(tmp, file);
  writeFileAtomic(snapshotMeta(store.path), `${JSON.stringify(info)}\n`);
  return info;
}

/** Whoever runs this CLI process, for the holder file. */
export function cliHolder(command: string): string {
  let user = process.env.ALLOT_ACTOR;
  if (!user) {
    try {
      user = userInfo().username;
    } catch {
      user = `uid ${process.getuid?.() ?? '?'}`;
    }
  }
  return `allot ${command} (${user}, pid ${process.pid} on ${hostname()})`;
}
