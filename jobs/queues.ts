// Queues, job names and the retry policy of every job type.
//
//   store    jobs that open the DuckDB store (write or read): consumed with
//            concurrency 1 per worker AND under the store lock (store-lock.ts),
//            so one process in the whole deployment has the file at a time
//   render   per-team report rendering from per-run artefacts (any worker, any concurrency)
//   deliver  per-team SMTP sending from the rendered .eml (any worker)
//   control  cheap orchestration: the monthly trigger that adds the month's flow
import { Queue, type BackoffStrategy, type JobsOptions, type MinimalJob } from 'bullmq';
import type { Redis } from 'ioredis';
import { JOB_KINDS, QUEUE_NAMES, type JobKind, type QueueName } from './names.ts';

export { JOB_KINDS, QUEUE_NAMES, type JobKind, type QueueName };

export const DEFAULT_PREFIX = 'allot';

/** The Redis key prefix of every queue: ALLOT_QUEUE_PREFIX, default "allot". One prefix per store. */
export function queuePrefix(env: NodeJS.ProcessEnv = process.env): string {
  return env.ALLOT_QUEUE_PREFIX?.trim() || DEFAULT_PREFIX;
}

/** Attempts (first included) and exponential backoff from `delayMs`, doubling, capped at `maxDelayMs`. */
export interface RetryPolicy {
  attempts: number;
  delayMs: number;
  maxDelayMs: number;
}

const MIN = 60_000;
export const POLICIES: Record<JobKind, RetryPolicy> = {
  // The next collection comes in N minutes anyway.
  'collect-k8s': { attempts: 3, delayMs: 10_000, maxDelayMs: MIN },
  'billing-pull': { attempts: 5, delayMs: MIN, maxDelayMs: 30 * MIN },
  freshness: { attempts: 3, delayMs: MIN, maxDelayMs: 10 * MIN },
  'monthly-trigger': { attempts: 5, delayMs: 30_000, maxDelayMs: 10 * MIN },
  // Budget alerts: SMTP and webhook outages; what was sent is never sent again.
  alerts: { attempts: 5, delayMs: MIN, maxDelayMs: 60 * MIN },
  // Provider APIs: the SDKs retry throttling themselves; this covers outages.
  pull: { attempts: 6, delayMs: MIN, maxDelayMs: 60 * MIN },
  attribute: { attempts: 3, delayMs: 30_000, maxDelayMs: 10 * MIN },
  export: { attempts: 3, delayMs: 30_000, maxDelayMs: 10 * MIN },
  render: { attempts: 3, delayMs: 10_000, maxDelayMs: 5 * MIN },
  // Greylisting and full queues (4xx): 1, 2, 4, ... minutes, at most an hour apart.
  send: { attempts: 8, delayMs: MIN, maxDelayMs: 60 * MIN },
  finish: { attempts: 5, delayMs: 30_000, maxDelayMs: 10 * MIN },
};

export type PolicyOverrides = Partial<Record<JobKind, Partial<RetryPolicy>>>;

export function policyFor(kind: JobKind, overrides: PolicyOverrides = {}): RetryPolicy {
  return { ...POLICIES[kind], ...overrides[kind] };
}

export const BACKOFF_TYPE = 'allot-capped';
const DAY_S = 24 * 3600;

/** Options of one job: attempts, capped exponential backoff, and how long finished jobs are kept. */
export function jobOptions(kind: JobKind, overrides: PolicyOverrides = {}): JobsOptions {
  const p = policyFor(kind, overrides);
  return {
    attempts: p.attempts,
    backoff: { type: BACKOFF_TYPE, delay: p.delayMs },
    // Completed jobs are kept 90 days: their ids make a re-added step a no-op.
    removeOnComplete: { age: 90 * DAY_S, count: 10_000 },
    // Failed jobs are kept 30 days with their reason (`allot jobs`).
    removeOnFail: { age: 30 * DAY_S },
  };
}

/** The cap of a job's backoff: from its kind's policy, or the overrides the job carries. */
export const backoffStrategy: BackoffStrategy = (attemptsMade: number, type?: string, _err?: Error, job?: MinimalJob) => {
  if (type !== BACKOFF_TYPE) return 0;
  const backoff = job?.opts.backoff;
  const delay = typeof backoff === 'object' && backoff.delay !== undefined ? backoff.delay : 1_000;
  const kind = job?.name as JobKind | undefined;
  const cap = (job?.data as { maxDelayMs?: number } | undefined)?.maxDelayMs ?? (kind && POLICIES[kind] ? POLICIES[kind].maxDelayMs : 60 * MIN);
  return Math.min(delay * 2 ** Math.max(0, attemptsMade - 1), cap);
};

/** One Queue object per queue name, sharing a connection. */
export class Queues {
  private readonly map = new Map<QueueName, Queue>();
  constructor(
    readonly connection: Redis,
    readonly prefix: string,
  ) {}

  get(name: QueueName): Queue {
    let q = this.map.get(name);
    if (!q) {
      q = new Queue(name, { connection: this.connection, prefix: this.prefix });
      q.on('error', () => undefined); // connection errors are logged once by the connection itself
      this.map.set(name, q);
    }
    return q;
  }

  all(): Queue[] {
    return QUEUE_NAMES.map((n) => this.get(n));
  }

  async close(): Promise<void> {
    await Promise.all([...this.map.values()].map((q) => q.close()));
    this.map.clear();
  }

  /** Deletes every queue's keys (tests). */
  async obliterate(): Promise<void> {
    for (const q of this.all()) await q.obliterate({ force: true });
  }
}
