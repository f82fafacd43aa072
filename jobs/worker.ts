// The worker: one BullMQ Worker per queue it serves, the processors, and
// graceful shutdown (close() lets the active jobs finish).
import { performance } from 'node:perf_hooks';
import { FlowProducer, UnrecoverableError, Worker, type Job } from 'bullmq';
import type { KubeConfig } from '@kubernetes/client-node';
import type { Redis } from 'ioredis';
import type { LoadedConfig } from '../src/config/load.ts';
import type { MailTransport } from '../src/deliver/index.ts';
import { isPermanent } from './errors.ts';
import { errFields, type Logger } from './log.ts';
import { Metrics } from './metrics.ts';
import { continueMonthly, type FlowDeps, type StageJobData } from './monthly/flow.ts';
import { runStoreStage, stage, stepId } from './monthly/pipeline.ts';
import type { SendOutcomeFile } from './monthly/artefacts.ts';
import type { StepEnv } from './monthly/steps.ts';
import { backoffStrategy, QUEUE_NAMES, Queues, type PolicyOverrides, type QueueName } from './queues.ts';
import { exclusively, StoreLock, withStore, type StoreSession } from './store-lock.ts';
import { billingPullTask, collectK8sTask, freshnessTask, monthlyTriggerTask, type TaskDeps } from './tasks.ts';

export interface WorkerHooks {
  /** Before a job's work starts (tests gate on it). */
  beforeJob?(job: Job): void | Promise<void>;
  /** The store is open and fenced / about to be closed. */
  storeEnter?(s: StoreSession, job: Job): void | Promise<void>;
  storeExit?(s: StoreSession, job: Job): void | Promise<void>;
}

export interface WorkerOptions {
  redis: Redis;
  prefix: string;
  log: Logger;
  loaded: LoadedConfig;
  dbPath: string;
  artefactsDir: string;
  /** Queues to serve (default all). The store queue always runs one job at a time. */
  queues?: QueueName[];
  /** Parallel jobs per queue for render, deliver and control (default 4). */
  concurrency?: number;
  /** BullMQ job lock (default 30 s, renewed at half): a dead worker's jobs are taken over after it. */
  lockDuration?: number;
  stalledInterval?: number;
  /** Store lock ttl (default 60 s): a dead writer's lock frees after it. */
  storeLockTtlMs?: number;
  storeLockWaitMs?: number;
  /** Publish the readers' snapshot after every store job (default true; see src/store/access.ts). */
  snapshot?: boolean;
  metrics?: Metrics;
  policies?: PolicyOverrides;
  /** SMTP transport factory (a new transport per call); default from the config. */
  transport?: () => MailTransport;
  hooks?: WorkerHooks;
  now?: () => Date;
  kubeConfig?: () => KubeConfig;
}

export interface RunningWorker {
  workers: Worker[];
  metrics: Metrics;
  queues: Queues;
  /** Refreshes queue depths (for /metrics). */
  collect(): Promise<void>;
  health(): { ok: boolean; redis: string; queues: Record<string, boolean>; closing: boolean };
  /** Stops taking jobs, waits for the active ones, closes everything but the Redis connection. */
  close(): Promise<void>;
}

const STATES = ['waiting', 'active', 'delayed', 'failed', 'completed', 'waiting-children', 'prioritized'] as const;

export async function startWorker(o: WorkerOptions): Promise<RunningWorker> {
  const metrics = o.metrics ?? new Metrics();
  const log = o.log;
  const now = o.now ?? (() => new Date());
  const queues = new Queues(o.redis, o.prefix);
  const producer = new FlowProducer({ connection: o.redis, prefix: o.prefix });
  producer.on('error', () => undefined);
  const flow: FlowDeps = { queues, producer, policies: o.policies };
  const storeLock = new StoreLock(o.redis, o.prefix, log.child({ component: 'store-lock' }), { ttlMs: o.storeLockTtlMs, waitMs: o.storeLockWaitMs });

  const stepEnv = (l: Logger): StepEnv => ({
    loaded: o.loaded,
    artefactsDir: o.artefactsDir,
    log: l,
    now,
    ...(o.transport ? { transport: o.transport } : {}),
    onSourceSuccess: (source, at) => metrics.sourceSucceeded(source, at),
    exclusive: (name, fn) =>
      exclusively(new StoreLock(o.redis, o.prefix, l.child({ component: 'claim' }), { name, fencing: false, ttlMs: o.storeLockTtlMs, waitMs: o.storeLockWaitMs }), fn),
  });
  const storeHooks = (job: Job) => ({
    onEnter: (s: StoreSession) => o.hooks?.storeEnter?.(s, job),
    onExit: (s: StoreSession) => o.hooks?.storeExit?.(s, job),
    publish: o.snapshot ?? true,
  });

  async function runStage(queue: QueueName, job: Job, l: Logger): Promise<unknown> {
    const data = job.data as StageJobData;
    const s = stage(data.stage)!;
    if (s.queue !== queue) throw new UnrecoverableError(`step ${data.stage} belongs to queue ${s.queue}, not ${queue}`);
    const env = stepEnv(l);
    const id = stepId(data.spec.key, s.id, data.item);
    let result: unknown;
    if (s.store) {
      result = await withStore(storeLock, { dbPath: o.dbPath, jobId: job.id, ...storeHooks(job) }, async ({ store, lease }) => {
        const r = await runStoreStage(s, { env, spec: data.spec, item: data.item, store, assertWriter: () => lease.assertHeld() }, id, lease.fence);
        if (r.reused) l.info({ step: id, reused: r.reused }, r.reused === 'done' ? 'step already done: returning its result' : 'step adopted from a dead worker');
        return r.result;
      });
    } else {
      result = await s.run({ env, spec: data.spec, item: data.item });
    }
    if (s.id === 'send' && (result as SendOutcomeFile).status === 'failed') metrics.emailFailures.inc({ team: data.item ?? '' });
    const next = await continueMonthly(flow, data, result);
    if (next?.added) l.info({ phase: next.phase, root: next.root.id }, 'next phase of the monthly run enqueued');
    return result;
  }

  async function dispatch(queue: QueueName, job: Job, l: Logger): Promise<unknown> {
    if (stage(job.name) && (job.data as StageJobData)?.spec) return runStage(queue, job, l);
    const deps: TaskDeps = { loaded: o.loaded, dbPath: o.dbPath, storeLock, metrics, flow, now, kubeConfig: o.kubeConfig, storeHooks: storeHooks(job) };
    switch (`${queue}/${job.name}`) {
      case 'store/collect-k8s':
        return collectK8sTask(deps, job, l);
      case 'store/billing-pull':
        return billingPullTask(deps, job, l);
      case 'store/freshness':
        return freshnessTask(deps, job, l);
      case 'control/monthly-trigger':
        return monthlyTriggerTask(deps, job, l);
      default:
        throw new UnrecoverableError(`no processor for job "${job.name}" on queue ${queue}`);
    }
  }

  const processor = (queue: QueueName) => async (job: Job) => {
    const l = log.child({ queue, job: job.id, name: job.name, attempt: job.attemptsMade + 1 });
    const t0 = performance.now();
    let status = 'completed';
    l.info('job active');
    try {
      await o.hooks?.beforeJob?.(job);
      const result = await dispatch(queue, job, l);
      l.info({ ms: Math.round(performance.now() - t0) }, 'job completed');
      return result;
    } catch (e) {
      status = 'failed';
      const permanent = isPermanent(e) || e instanceof UnrecoverableError;
      const final = permanent || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      metrics.jobFailures.inc({ queue, name: job.name, final: String(final) });
      l[final ? 'error' : 'warn']({ ...errFields(e), final }, final ? 'job failed for good' : 'job attempt failed; it will be retried');
      if (permanent && !(e instanceof UnrecoverableError)) throw new UnrecoverableError((e as Error).message);
      throw e;
    } finally {
      metrics.jobDuration.observe({ queue, name: job.name, status }, (performance.now() - t0) / 1000);
    }
  };

  const served = o.queues ?? [...QUEUE_NAMES];
  const workers = served.map((queue) => {
    const w = new Worker(queue, processor(queue), {
      connection: o.redis,
      prefix: o.prefix,
      concurrency: queue === 'store' ? 1 : (o.concurrency ?? 4),
      ...(o.lockDuration ? { lockDuration: o.lockDuration } : {}),
      ...(o.stalledInterval ? { stalledInterval: o.stalledInterval } : {}),
      maxStalledCount: 2,
      settings: { backoffStrategy },
    });
    let lastError = '';
    w.on('error', (e) => {
      if (e.message === lastError) return;
      lastError = e.message;
      log.warn({ ...errFields(e), queue }, 'worker error');
    });
    w.on('stalled', (jobId) => log.warn({ queue, job: jobId }, 'job stalled (its worker died or blocked): back in the queue'));
    return w;
  });
  await Promise.all(workers.map((w) => w.waitUntilReady()));
  metrics.up.set({}, 1);
  let closing = false;

  return {
    workers,
    metrics,
    queues,
    async collect() {
      const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 2_000).unref());
      const counts = await Promise.race([Promise.all(queues.all().map(async (q) => [q.name, await q.getJobCounts(...STATES)] as const)), timeout]);
      if (counts === 'timeout') {
        metrics.redisUp.set({}, 0);
        return;
      }
      metrics.redisUp.set({}, 1);
      metrics.queueJobs.reset();
      for (const [queue, c] of counts) for (const state of STATES) metrics.queueJobs.set({ queue, state }, c[state] ?? 0);
    },
    health() {
      const q = Object.fromEntries(workers.map((w) => [w.name, w.isRunning()]));
      const redis = o.redis.status;
      return { ok: !closing && redis === 'ready' && Object.values(q).every(Boolean), redis, queues: q, closing };
    },
    async close() {
      closing = true;
      metrics.up.set({}, 0);
      await Promise.all(workers.map((w) => w.close()));
      await producer.close();
      await queues.close();
    },
  };
}
