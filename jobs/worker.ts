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
import type { StepEnv } from './monthly/steps.ts';
import { backoffStrategy, QUEUE_NAMES, Queues, type PolicyOverrides, type QueueName } from './queues.ts';
import { ExporterLease } from './exporter.ts';
import { freshness, readSourceSuccess, recordSourceSuccess, watchedSources } from './freshness.ts';
import { JOB_KINDS } from './names.ts';
import { exclusively, StoreLock, withStore, type StoreSession } from './store-lock.ts';
import { billingPullTask, collectK8sTask, freshnessTask, monthlyTriggerTask, type TaskDeps } from './tasks.ts';
import { alertsTask } from './alerts.ts';

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
  /** Lease of the worker that exports the queue depths (default: the job lock, 30 s): a dead exporter is replaced after it. */
  exporterTtlMs?: number;
  now?: () => Date;
  kubeConfig?: () => KubeConfig;
}

export interface RunningWorker {
  workers: Worker[];
  metrics: Metrics;
  queues: Queues;
  /** Refreshes the scrape-time values: queue depths (one worker only) and source freshness (for /metrics). */
  collect(): Promise<void>;
  /** Liveness: this process runs its workers (Redis may be away: that is readiness). */
  health(): { ok: boolean; redis: string; queues: Record<string, boolean>; closing: boolean };
  /** Readiness: Redis answers and every worker runs. */
  ready(): { ok: boolean; redis: string; queues: Record<string, boolean>; closing: boolean };
  /** The configuration jobs use from now on (SIGHUP); running jobs keep theirs. */
  reload(loaded: LoadedConfig): void;
  /** Stops taking jobs, waits for the active ones, closes everything but the Redis connection. */
  close(): Promise<void>;
}

const STATES = ['waiting', 'active', 'delayed', 'failed', 'completed', 'waiting-children', 'prioritized'] as const;

export async function startWorker(o: WorkerOptions): Promise<RunningWorker> {
  const metrics = o.metrics ?? new Metrics();
  const log = o.log;
  let loaded = o.loaded;
  const now = o.now ?? (() => new Date());
  const queues = new Queues(o.redis, o.prefix);
  const producer = new FlowProducer({ connection: o.redis, prefix: o.prefix });
  producer.on('error', () => undefined);
  const flow: FlowDeps = { queues, producer, policies: o.policies };
  const storeLock = new StoreLock(o.redis, o.prefix, log.child({ component: 'store-lock' }), { ttlMs: o.storeLockTtlMs, waitMs: o.storeLockWaitMs });

  const stepEnv = (l: Logger): StepEnv => ({
    loaded,
    artefactsDir: o.artefactsDir,
    log: l,
    now,
    ...(o.transport ? { transport: o.transport } : {}),
    onSourceSuccess: (source, at) =>
      void recordSourceSuccess(o.redis, o.prefix, source, at).catch((e: unknown) => l.warn({ ...errFields(e), source }, 'could not record the source\'s success in Redis')),
    onSendRefused: (s) => metrics.emailFailures.inc({ team: s.team_id, kind: s.status === 'failed' ? 'refused' : 'partly_refused' }),
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
    const next = await continueMonthly(flow, data, result);
    if (next?.added) l.info({ phase: next.phase, root: next.root.id }, 'next phase of the monthly run enqueued');
    return result;
  }

  async function dispatch(queue: QueueName, job: Job, l: Logger): Promise<unknown> {
    if (stage(job.name) && (job.data as StageJobData)?.spec) return runStage(queue, job, l);
    const deps: TaskDeps = { loaded, redis: o.redis, prefix: o.prefix, dbPath: o.dbPath, storeLock, metrics, flow, now, kubeConfig: o.kubeConfig, storeHooks: storeHooks(job) };
    switch (`${queue}/${job.name}`) {
      case 'store/collect-k8s':
        return collectK8sTask(deps, job, l);
      case 'store/billing-pull':
        return billingPullTask(deps, job, l);
      case 'store/freshness':
        return freshnessTask(deps, job, l);
      case 'control/monthly-trigger':
        return monthlyTriggerTask(deps, job, l);
      case 'store/alerts':
        return alertsTask(deps, job, l);
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
  zeroCounters(metrics, served, loaded);
  metrics.up.set({}, 1);
  let closing = false;
  const lease = new ExporterLease(o.redis, o.prefix, o.exporterTtlMs ?? o.lockDuration ?? 30_000);
  lease.start();
  const status = () => {
    const q = Object.fromEntries(workers.map((w) => [w.name, w.isRunning()]));
    return { redis: o.redis.status, queues: q, closing, running: Object.values(q).every(Boolean) };
  };

  return {
    workers,
    metrics,
    queues,
    async collect() {
      const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 2_000).unref());
      const read = async () => {
        const exporter = await lease.check();
        const counts = exporter ? await Promise.all(queues.all().map(async (q) => [q.name, await q.getJobCounts(...STATES)] as const)) : [];
        return { exporter, counts, last: await readSourceSuccess(o.redis, o.prefix) };
      };
      const got = await Promise.race([read(), timeout]);
      metrics.queueJobs.reset();
      if (got === 'timeout') {
        metrics.redisUp.set({}, 0);
        metrics.exporter.set({}, 0);
        return;
      }
      metrics.redisUp.set({}, 1);
      metrics.exporter.set({}, got.exporter ? 1 : 0);
      for (const [queue, c] of got.counts) for (const state of STATES) metrics.queueJobs.set({ queue, state }, c[state] ?? 0);
      // Freshness of the configured sources, from Redis: the same on every worker.
      const watched = watchedSources(loaded.config);
      metrics.sourceLastSuccess.reset();
      metrics.sourceStale.reset();
      for (const w of watched) {
        const at = got.last.get(w.id);
        if (at !== undefined) metrics.sourceLastSuccess.set({ source: w.id }, at);
      }
      const maxAge = loaded.config.schedule?.freshness?.max_age_hours;
      if (maxAge !== undefined) for (const r of freshness(watched, got.last, now(), maxAge)) metrics.sourceStale.set({ source: r.source }, r.stale ? 1 : 0);
    },
    health() {
      // The process is alive while it serves this; closing is a normal, live state.
      return { ok: status().running || closing, ...status() };
    },
    ready() {
      const s = status();
      return { ok: !closing && s.redis === 'ready' && s.running, ...s };
    },
    reload(next: LoadedConfig) {
      loaded = next;
      zeroCounters(metrics, served, loaded);
    },
    async close() {
      closing = true;
      await lease.stop();
      metrics.up.set({}, 0);
      await Promise.all(workers.map((w) => w.close()));
      await producer.close();
      await queues.close();
    },
  };
}

/** The queue each job kind runs on. */
const KIND_QUEUE: Record<(typeof JOB_KINDS)[number], QueueName> = {
  'collect-k8s': 'store', 'billing-pull': 'store', freshness: 'store', 'monthly-trigger': 'control', alerts: 'store',
  pull: 'store', attribute: 'store', export: 'store', render: 'render', send: 'deliver', finish: 'store',
};

/** Every counter series this worker can produce, at zero: failures per job kind it serves, email refusals per mailed team. */
function zeroCounters(metrics: Metrics, served: QueueName[], loaded: LoadedConfig): void {
  for (const name of JOB_KINDS) {
    const queue = KIND_QUEUE[name];
    if (!served.includes(queue)) continue;
    for (const final of ['true', 'false']) metrics.jobFailures.zero({ queue, name, final });
  }
  if (!served.includes('deliver')) return;
  for (const t of loaded.config.teams.filter((x) => x.emails.length > 0)) {
    for (const kind of ['refused', 'partly_refused']) metrics.emailFailures.zero({ team: t.id, kind });
  }
}
