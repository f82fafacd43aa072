// Waiting for a monthly run on queue events (no polling): done when its
// finish job completes, failed as soon as any of its jobs fails for good
// (BullMQ emits `failed` only once the retries are used up).
import { QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import { AllotError } from '../src/util/errors.ts';
import { QUEUE_NAMES, type Queues } from './queues.ts';

export class RunFailedError extends AllotError {
  constructor(
    readonly jobId: string,
    readonly reason: string,
  ) {
    super(`job ${jobId} failed after its retries: ${reason} (see "allot jobs"; "allot jobs --retry-failed" retries it)`);
  }
}

export class RunWatcher {
  private readonly listeners: { resolve: (v: unknown) => void; reject: (e: Error) => void; finishId: string; key: string }[] = [];

  private constructor(
    private readonly events: QueueEvents[],
    private readonly conns: Redis[],
  ) {
    for (const qe of events) {
      qe.on('completed', ({ jobId, returnvalue }) => {
        for (const l of this.listeners.filter((x) => x.finishId === jobId)) l.resolve(returnvalue);
      });
      qe.on('failed', ({ jobId, failedReason }) => {
        for (const l of this.listeners.filter((x) => jobId.startsWith(`${x.key}-`))) l.reject(new RunFailedError(jobId, failedReason));
      });
      qe.on('error', () => undefined);
    }
  }

  /** Listens on every queue; call before enqueueing so no event is missed. */
  static async start(redis: Redis, prefix: string): Promise<RunWatcher> {
    const conns = QUEUE_NAMES.map(() => {
      const c = redis.duplicate();
      c.on('error', () => undefined); // the main connection reports Redis errors; without a listener ioredis prints them raw
      return c;
    });
    const events = QUEUE_NAMES.map((q, i) => new QueueEvents(q, { connection: conns[i]!, prefix }));
    await Promise.all(events.map((e) => e.waitUntilReady()));
    return new RunWatcher(events, conns);
  }

  /** Resolves with the finish job's result. Checks first whether it already completed. */
  async wait(queues: Queues, key: string, finish: { id: string; queue: string }): Promise<unknown> {
    const p = new Promise<unknown>((resolve, reject) => {
      const entry = {
        key,
        finishId: finish.id,
        resolve: (v: unknown) => {
          this.listeners.splice(this.listeners.indexOf(entry), 1);
          resolve(v);
        },
        reject: (e: Error) => {
          this.listeners.splice(this.listeners.indexOf(entry), 1);
          reject(e);
        },
      };
      this.listeners.push(entry);
    });
    const job = await queues.get(finish.queue as never).getJob(finish.id);
    if (job && (await job.getState()) === 'completed') {
      const l = this.listeners.find((x) => x.finishId === finish.id);
      l?.resolve(job.returnvalue);
    }
    return p;
  }

  async close(): Promise<void> {
    await Promise.all(this.events.map((e) => e.close()));
    for (const c of this.conns) c.disconnect();
  }
}
