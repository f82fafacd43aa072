// `allot jobs`: what the queues hold, what runs, what failed and why.
import type { Job } from 'bullmq';
import { QUEUE_NAMES, type QueueName, type Queues } from './queues.ts';

export interface JobInfo {
  queue: QueueName;
  id: string;
  name: string;
  attempts_made: number;
  attempts: number;
  reason: string | null;
  created_at: string;
  processed_at: string | null;
  finished_at: string | null;
}

export interface QueueReport {
  counts: { queue: QueueName; waiting: number; active: number; delayed: number; waiting_children: number; failed: number; completed: number }[];
  active: JobInfo[];
  failed: JobInfo[];
}

const iso = (ms: number | undefined) => (ms ? new Date(ms).toISOString() : null);

function info(queue: QueueName, j: Job): JobInfo {
  return {
    queue,
    id: j.id ?? '',
    name: j.name,
    attempts_made: j.attemptsMade,
    attempts: j.opts.attempts ?? 1,
    reason: j.failedReason || null,
    created_at: iso(j.timestamp)!,
    processed_at: iso(j.processedOn),
    finished_at: iso(j.finishedOn),
  };
}

export async function queueReport(queues: Queues, o: { limit?: number; queues?: QueueName[] } = {}): Promise<QueueReport> {
  const limit = o.limit ?? 50;
  const report: QueueReport = { counts: [], active: [], failed: [] };
  for (const queue of o.queues ?? QUEUE_NAMES) {
    const q = queues.get(queue);
    const c = await q.getJobCounts('waiting', 'active', 'delayed', 'waiting-children', 'failed', 'completed', 'prioritized');
    report.counts.push({
      queue,
      waiting: (c.waiting ?? 0) + (c.prioritized ?? 0),
      active: c.active ?? 0,
      delayed: c.delayed ?? 0,
      waiting_children: c['waiting-children'] ?? 0,
      failed: c.failed ?? 0,
      completed: c.completed ?? 0,
    });
    for (const j of await q.getActive(0, limit - 1)) if (j) report.active.push(info(queue, j));
    for (const j of await q.getFailed(0, limit - 1)) if (j) report.failed.push(info(queue, j));
  }
  return report;
}

/** Moves every failed job back to waiting (attempts start over); a retried child lets its flow go on. */
export async function retryFailed(queues: Queues, o: { queues?: QueueName[] } = {}): Promise<JobInfo[]> {
  const out: JobInfo[] = [];
  for (const queue of o.queues ?? QUEUE_NAMES) {
    const q = queues.get(queue);
    for (;;) {
      const failed = (await q.getFailed(0, 99)).filter((j): j is Job => Boolean(j));
      if (failed.length === 0) break;
      for (const j of failed) {
        out.push(info(queue, j));
        await j.retry('failed');
      }
    }
  }
  return out;
}
