// One writer for the DuckDB store across every worker process.
//
// A DuckDB file has one writing process at a time. Jobs that open the store
// run on the `store` queue with concurrency 1 in each worker, and every such
// job first takes the store lock in Redis:
//
//   lock     SET <prefix>:store-lock <random token> NX PX <ttl>, renewed every
//            ttl/3 while the job runs (compare-and-PEXPIRE), released with a
//            compare-and-DEL; a killed worker's lock expires after ttl.
//   fencing  INCR <prefix>:store-fence on every acquisition: a token that only
//            grows. After opening the file (which DuckDB locks exclusively for
//            this process until it is closed), the job checks that the Redis
//            lock is still its own and that the store's `job_fence` row holds no
//            newer token, then records its token there. A worker that lost its
//            lock (paused past the ttl, partitioned from Redis) therefore can
//            never write: either another process holds the file (its open
//            fails), or a newer token is recorded (its fence check fails), or
//            the lock is no longer its own (its fence check fails). Steps check
//            the lock again before they record themselves done.
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import { describeHolder, isLockConflict, publishSnapshot, recordHolder, snapshotFile, StoreBusyError } from '../src/store/access.ts';
import { Store } from '../src/store/db.ts';
import { AllotError } from '../src/util/errors.ts';
import { errFields, type Logger } from './log.ts';
import { readFence, writeFence } from '../src/store/jobs.ts';

/** The lock was lost or a newer writer exists: this worker must not write. Retried by BullMQ. */
export class StaleLockError extends AllotError {}

/** The store stayed busy (lock held, or the file open elsewhere) for longer than the wait. Retried by BullMQ. */
export { StoreBusyError };

export interface StoreLockOptions {
  /** What is locked: `<prefix>:<name>-lock` (default "store"). */
  name?: string;
  /** Take a fencing token on each acquisition (default true; claims that fence nothing turn it off). */
  fencing?: boolean;
  /** Lock time-to-live; renewed every ttl/3 while held (default 60 s). */
  ttlMs?: number;
  /** How long an acquisition waits for the lock or the file before giving up (default 10 min). */
  waitMs?: number;
  /** Who holds it, for logs and the job_fence row. */
  holder?: string;
}

const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A held lock: its random token, its fencing token, and whether renewal has seen it lost. */
export class Lease {
  lost = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly lock: StoreLock,
    readonly token: string,
    public fence: number,
  ) {}

  /** @internal */
  startRenewal(): void {
    const every = Math.max(50, Math.floor(this.lock.ttlMs / 3));
    this.timer = setInterval(() => {
      this.lock.redis
        .eval(RENEW, 1, this.lock.key, this.token, String(this.lock.ttlMs))
        .then((ok) => {
          if (Number(ok) !== 1 && !this.lost) {
            this.lost = true;
            this.lock.log.error({ lock: this.lock.key, fence: this.fence }, 'lock lost: this worker will not act under it again');
          }
        })
        .catch((e: unknown) => this.lock.log.warn({ ...errFields(e), lock: this.lock.key }, 'lock renewal failed (Redis unreachable?)'));
    }, every);
    this.timer.unref();
  }

  /** Is the lock still ours, now? */
  async held(): Promise<boolean> {
    if (this.lost) return false;
    const v = await this.lock.redis.get(this.lock.key);
    if (v !== this.token) this.lost = true;
    return !this.lost;
  }

  /** Throws StaleLockError unless the lock is still ours. */
  async assertHeld(): Promise<void> {
    if (!(await this.held())) throw new StaleLockError(`the lock ${this.lock.key} (fencing token ${this.fence}) was lost; not writing`);
  }

  async release(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    try {
      await this.lock.redis.eval(RELEASE, 1, this.lock.key, this.token);
    } catch (e) {
      this.lock.log.warn({ ...errFields(e), lock: this.lock.key }, 'lock release failed; it expires by itself');
    }
  }
}

export class StoreLock {
  readonly key: string;
  readonly fenceKey: string;
  readonly ttlMs: number;
  readonly waitMs: number;
  readonly holder: string;
  readonly fencing: boolean;

  constructor(
    readonly redis: Redis,
    prefix: string,
    readonly log: Logger,
    opts: StoreLockOptions = {},
  ) {
    const name = opts.name ?? 'store';
    this.key = `${prefix}:${name}-lock`;
    this.fenceKey = `${prefix}:${name}-fence`;
    this.fencing = opts.fencing ?? true;
    this.ttlMs = opts.ttlMs ?? 60_000;
    this.waitMs = opts.waitMs ?? 10 * 60_000;
    this.holder = opts.holder ?? `${hostname()}:${process.pid}`;
  }

  /** Takes the lock (waiting for it up to waitMs) and a new fencing token. */
  async acquire(): Promise<Lease> {
    const token = `${this.holder}:${randomUUID()}`;
    const deadline = Date.now() + this.waitMs;
    let pause = 25;
    let logged = false;
    for (;;) {
      const ok = await this.redis.set(this.key, token, 'PX', this.ttlMs, 'NX');
      if (ok === 'OK') break;
      if (Date.now() >= deadline) {
        const by = await this.redis.get(this.key);
        throw new StoreBusyError(`the lock ${this.key} is held by ${by ?? 'someone'} for more than ${Math.round(this.waitMs / 1000)} s`);
      }
      if (!logged) {
        this.log.debug({ lock: this.key, by: await this.redis.get(this.key) }, 'waiting for the lock');
        logged = true;
      }
      await sleep(pause);
      pause = Math.min(pause * 2, 1_000);
    }
    const fence = this.fencing ? await this.redis.incr(this.fenceKey) : 0;
    const lease = new Lease(this, token, fence);
    lease.startRenewal();
    return lease;
  }
}

/** Runs `fn` holding the lock (a claim: one holder at a time across all workers). */
export async function exclusively<T>(lock: StoreLock, fn: () => Promise<T>): Promise<T> {
  const lease = await lock.acquire();
  try {
    return await fn();
  } finally {
    await lease.release();
  }
}

export interface StoreSession {
  store: Store;
  lease: Lease;
}

export interface WithStoreOptions {
  dbPath: string;
  /** What opened it (the job id), recorded in job_fence. */
  jobId?: string;
  /** Test hooks: called once the store is open and fenced, and before it is closed. */
  onEnter?: (s: StoreSession) => void | Promise<void>;
  onExit?: (s: StoreSession) => void | Promise<void>;
  /**
   * Publish the readers' snapshot (src/store/access.ts) when the job is done,
   * and before it starts if there is none yet (default true).
   */
  publish?: boolean;
}

/**
 * Runs `fn` with the store open, under the store lock, fenced. The store is
 * closed before the lock is released, so the next holder can open the file.
 */
export async function withStore<T>(lock: StoreLock, opts: WithStoreOptions, fn: (s: StoreSession) => Promise<T>): Promise<T> {
  const lease = await lock.acquire();
  try {
    const store = await openWhenFree(lock, lease, opts.dbPath);
    recordHolder(store, `worker ${lock.holder} for job ${opts.jobId ?? '?'}`);
    const session = { store, lease };
    const publish = async (when: string) => {
      try {
        const s = await publishSnapshot(store, `worker ${lock.holder} ${when} job ${opts.jobId ?? '?'}`);
        lock.log.debug({ job: opts.jobId, snapshot: s.file }, 'snapshot published for readers');
      } catch (e) {
        lock.log.warn({ ...errFields(e), job: opts.jobId }, 'the readers\' snapshot was not published');
      }
    };
    try {
      await fenceStore(store, lease, lock, opts.jobId ?? null);
      lock.log.debug({ job: opts.jobId, fence: lease.fence }, 'store open for writing');
      if ((opts.publish ?? true) && !existsSync(snapshotFile(store.path))) await publish('before');
      await opts.onEnter?.(session);
      try {
        return await fn(session);
      } finally {
        await opts.onExit?.(session);
        if ((opts.publish ?? true) && !lease.lost) await publish('after');
      }
    } finally {
      store.close();
    }
  } finally {
    await lease.release();
  }
}

/** Opens the file; another process holding it (a CLI user, a stale worker) is waited for, up to waitMs. */
async function openWhenFree(lock: StoreLock, lease: Lease, dbPath: string): Promise<Store> {
  const deadline = Date.now() + lock.waitMs;
  let pause = 100;
  for (;;) {
    await lease.assertHeld();
    try {
      return await Store.open(dbPath);
    } catch (e) {
      if (!isLockConflict(e)) throw e;
      const holder = describeHolder(dbPath, e);
      if (Date.now() >= deadline) throw new StoreBusyError(`the store ${dbPath} is open in another process (${holder}) for more than ${Math.round(lock.waitMs / 1000)} s`);
      lock.log.info({ db: dbPath, holder }, `the store file is open in another process (${holder}); waiting`);
      await sleep(pause);
      pause = Math.min(pause * 2, 2_000);
    }
  }
}

/**
 * The fence, checked with the file open (so no other process can write
 * meanwhile): the lock must still be ours and no newer token may be recorded.
 * Then our token is recorded. A recorded token above ours while the lock is
 * ours can only mean Redis lost its keys (restart without persistence): the
 * counter is moved past the store's and a new token taken.
 */
export async function fenceStore(store: Store, lease: Lease, lock: StoreLock, jobId: string | null): Promise<void> {
  await lease.assertHeld();
  const recorded = (await readFence(store)).token;
  if (recorded > lease.fence) {
    await lease.assertHeld();
    lock.log.warn({ recorded, token: lease.fence }, 'the store has a newer fencing token than Redis (Redis lost its data?): moving the counter on');
    await lock.redis.set(lock.fenceKey, String(recorded));
    lease.fence = await lock.redis.incr(lock.fenceKey);
    await lease.assertHeld();
  }
  await recordFence(store, lease.fence, lock.holder, jobId);
}

/** Records a fencing token unless a newer one is there; throws StaleLockError if it is. */
export async function recordFence(store: Store, token: number, holder: string, jobId: string | null): Promise<void> {
  if (!(await writeFence(store, token, holder, jobId))) {
    const row = await readFence(store);
    throw new StaleLockError(`fencing token ${token} is older than the store's ${row.token} (written by ${row.holder}): a newer writer took over; not writing`);
  }
}
