// `allot jobs`: what the queues hold, what runs, what waits and why, what
// failed and why, and each monthly run's steps, done and to do.
import type { Job } from 'bullmq';
import type { SendOutcomeFile } from './monthly/artefacts.ts';
import type { StageJobData } from './monthly/flow.ts';
import { MONTHLY, stepId } from './monthly/pipeline.ts';
import type { ExportSummary } from './monthly/steps.ts';
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

/** A job waiting for a time: the retry of a failed attempt (with the attempt's error), or a scheduled job. */
export interface DelayedInfo extends JobInfo {
  /** When it runs, as far as Redis says. */
  run_at: string | null;
  why: string;
}

export interface QueueReport {
  counts: { queue: QueueName; waiting: number; active: number; delayed: number; waiting_children: number; failed: number; completed: number }[];
  active: JobInfo[];
  delayed: DelayedInfo[];
  failed: JobInfo[];
}

const iso = (ms: number | undefined) => (ms ? new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z') : null);

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

/** When a delayed job runs: its score in the delayed set is the time in ms × 4096 (BullMQ's encoding). */
async function runAt(queues: Queues, queue: QueueName, id: string): Promise<string | null> {
  const score = await queues.connection.zscore(queues.get(queue).keys.delayed!, id);
  return score === null ? null : iso(Math.floor(Number(score) / 0x1000));
}

function whyDelayed(j: Job): string {
  if (j.attemptsMade > 0 && j.failedReason) {
    return `retry ${j.attemptsMade + 1} of ${j.opts.attempts ?? 1} after: ${j.failedReason}`;
  }
  if (j.id?.startsWith('repeat:')) return 'scheduled (job scheduler)';
  return 'added with a delay';
}

export async function queueReport(queues: Queues, o: { limit?: number; queues?: QueueName[] } = {}): Promise<QueueReport> {
  const limit = o.limit ?? 50;
  const report: QueueReport = { counts: [], active: [], delayed: [], failed: [] };
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
    for (const j of await q.getDelayed(0, limit - 1)) {
      if (j) report.delayed.push({ ...info(queue, j), run_at: await runAt(queues, queue, j.id ?? ''), why: whyDelayed(j) });
    }
    for (const j of await q.getFailed(0, limit - 1)) if (j) report.failed.push(info(queue, j));
  }
  report.delayed.sort((a, b) => (a.run_at ?? '').localeCompare(b.run_at ?? ''));
  return report;
}

export interface RetryResult {
  retried: JobInfo[];
  /** Jobs that left the failed set before their turn (retried or removed by someone else). */
  skipped: { queue: QueueName; id: string; why: string }[];
}

/**
 * Gives every job that is in the failed set now one more attempt: the set is
 * read once, whole, and each job in it is moved back to its queue once. Its
 * attempt count is not reset: a job that fails again goes straight back to
 * the failed set (no backoff, no further attempts) until the next call. A
 * retried child lets its flow go on.
 */
export async function retryFailed(queues: Queues, o: { queues?: QueueName[] } = {}): Promise<RetryResult> {
  const out: RetryResult = { retried: [], skipped: [] };
  for (const queue of o.queues ?? QUEUE_NAMES) {
    const q = queues.get(queue);
    const total = await q.getFailedCount();
    const failed = new Map<string, Job>();
    for (let start = 0; start < total; start += 500) {
      for (const j of await q.getFailed(start, start + 499)) if (j?.id) failed.set(j.id, j);
    }
    for (const j of failed.values()) {
      try {
        await j.retry('failed');
        out.retried.push(info(queue, j));
      } catch (e) {
        out.skipped.push({ queue, id: j.id!, why: (e as Error).message });
      }
    }
  }
  return out;
}

export interface StepInfo {
  step: string;
  stage: string;
  item?: string;
  state: 'done' | 'refused' | 'partly refused' | 'running' | 'waiting' | 'waiting for its steps' | 'delayed' | 'failed' | 'to do';
  detail: string | null;
}

export interface RunInfo {
  key: string;
  period: string;
  /** Steps known so far (the per-team ones once the export has chosen the teams), by state. */
  total: number;
  counts: Partial<Record<StepInfo['state'], number>>;
  steps: StepInfo[];
}

async function jobOf(queues: Queues, queue: QueueName, id: string): Promise<{ job: Job; state: string } | undefined> {
  const job = await queues.get(queue).getJob(id);
  return job ? { job, state: await job.getState() } : undefined;
}

async function step(queues: Queues, queue: QueueName, id: string, stage: string, item: string | undefined): Promise<StepInfo> {
  const base = { step: id, stage, ...(item === undefined ? {} : { item }) };
  const found = await jobOf(queues, queue, id);
  if (!found) return { ...base, state: 'to do', detail: null };
  const { job, state } = found;
  switch (state) {
    case 'completed': {
      const out = stage === 'send' ? (job.returnvalue as SendOutcomeFile | null) : null;
      if (out?.status === 'failed') return { ...base, state: 'refused', detail: `${out.recipients.join(', ')}: ${out.response ?? 'no reply recorded'}` };
      if (out && out.rejected.length > 0) return { ...base, state: 'partly refused', detail: `${out.rejected.join(', ')}: ${out.response ?? ''}` };
      return { ...base, state: 'done', detail: null };
    }
    case 'active':
      return { ...base, state: 'running', detail: `attempt ${job.attemptsMade + 1} of ${job.opts.attempts ?? 1} since ${iso(job.processedOn) ?? '?'}` };
    case 'delayed':
      return { ...base, state: 'delayed', detail: `${whyDelayed(job)}; next attempt at ${(await runAt(queues, queue, id)) ?? '?'}` };
    case 'failed':
      return { ...base, state: 'failed', detail: `after ${job.attemptsMade} attempt${job.attemptsMade === 1 ? '' : 's'}: ${job.failedReason || 'no reason recorded'}` };
    case 'waiting-children':
      return { ...base, state: 'waiting for its steps', detail: null };
    default:
      return { ...base, state: 'waiting', detail: null };
  }
}

/** The steps of one monthly run, in pipeline order, from the jobs in Redis (ids are step ids). */
export async function runSteps(queues: Queues, spec: StageJobData['spec']): Promise<RunInfo> {
  const steps: StepInfo[] = [];
  let teams: string[] | undefined;
  for (const s of MONTHLY) {
    if (s.each === 'team') {
      if (!teams) {
        steps.push({ step: stepId(spec.key, s.id, '*'), stage: s.id, state: 'to do', detail: 'one per team, once the export has chosen them' });
        continue;
      }
      for (const t of teams) steps.push(await step(queues, s.queue, stepId(spec.key, s.id, t), s.id, t));
      continue;
    }
    const items = s.each === 'source' ? spec.sources.map((x) => x.id) : [undefined];
    for (const item of items) {
      const st = await step(queues, s.queue, stepId(spec.key, s.id, item), s.id, item);
      steps.push(st);
      if (s.id === 'export' && st.state === 'done') {
        teams = ((await queues.get('store').getJob(st.step))?.returnvalue as ExportSummary | null)?.teams ?? [];
      }
    }
  }
  const counts: RunInfo['counts'] = {};
  for (const x of steps) counts[x.state] = (counts[x.state] ?? 0) + 1;
  return { key: spec.key, period: spec.period, total: steps.length, counts, steps };
}

/**
 * The monthly runs worth showing: every run with a job not finished (waiting,
 * running, delayed, failed), and the `recent` latest runs that finished.
 */
export async function monthlyRuns(queues: Queues, o: { keys?: string[]; recent?: number } = {}): Promise<RunInfo[]> {
  const specs = new Map<string, StageJobData['spec']>();
  const note = (j: Job | undefined) => {
    const spec = (j?.data as StageJobData | undefined)?.spec;
    if (spec?.key && (!o.keys || o.keys.includes(spec.key))) specs.set(spec.key, spec);
  };
  for (const queue of QUEUE_NAMES) {
    for (const j of await queues.get(queue).getJobs(['waiting', 'prioritized', 'active', 'delayed', 'waiting-children', 'failed'], 0, 999)) note(j);
  }
  const finishes = (await queues.get('store').getJobs(['completed'], 0, 499)).filter((j) => j?.name === 'finish');
  let recent = o.keys ? Infinity : (o.recent ?? 3);
  for (const j of finishes) {
    const key = (j.data as StageJobData | undefined)?.spec?.key;
    if (key && specs.has(key)) continue;
    if (o.keys || recent-- > 0) note(j);
  }
  const runs: RunInfo[] = [];
  for (const spec of specs.values()) runs.push(await runSteps(queues, spec));
  return runs.sort((a, b) => b.period.localeCompare(a.period) || a.key.localeCompare(b.key));
}
