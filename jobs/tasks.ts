// The recurring jobs: Kubernetes collection, daily billing pulls, the weekly
// freshness check, and the monthly trigger that adds the month's flow.
import type { Job } from 'bullmq';
import type { KubeConfig } from '@kubernetes/client-node';
import type { Redis } from 'ioredis';
import type { LoadedConfig } from '../src/config/load.ts';
import { closeRecord } from '../src/close/close.ts';
import { commitSnapshots } from '../src/ingest/k8s/index.ts';
import { collectClusterSnapshot, K8S_COLLECT_SOURCE, kubeTargets, loadKubeConfig } from '../src/ingest/k8s-collect/index.ts';
import { AllotError, isRetryable, PermanentError } from '../src/util/errors.ts';
import { freshness, lastImports, readSourceSuccess, recordSourceSuccess, type WatchedSource } from './freshness.ts';
import { errFields, type Logger } from './log.ts';
import type { Metrics } from './metrics.ts';
import { enqueueMonthly, type FlowDeps } from './monthly/flow.ts';
import { pullSource, type PullSummary } from './sources.ts';
import { monthIn, periodToClose, type SourceSpec } from './spec.ts';
import { withStore, type StoreLock, type WithStoreOptions } from './store-lock.ts';
import { addMonths } from '../src/util/period.ts';

export interface TaskDeps {
  loaded: LoadedConfig;
  redis: Redis;
  prefix: string;
  dbPath: string;
  storeLock: StoreLock;
  metrics: Metrics;
  flow: FlowDeps;
  now: () => Date;
  kubeConfig?: () => KubeConfig;
  storeHooks?: Pick<WithStoreOptions, 'onEnter' | 'onExit' | 'publish'>;
}

export interface CollectK8sData {
  context: string;
  cluster: string;
  window: number;
}

export interface BillingPullData {
  sources: SourceSpec[];
  previous_month_until_day: number;
}

export interface FreshnessData {
  max_age_hours: number;
  /** Sources that should be delivering: configured source ids and `k8s-collect/<cluster>`. */
  expected: string[];
  /** How to find each in the store (see freshness.ts). */
  watch?: WatchedSource[];
}

export interface MonthlyTriggerData {
  timezone: string;
  close: boolean;
  sources: SourceSpec[];
}

const store = <T>(deps: TaskDeps, job: Job, fn: Parameters<typeof withStore<T>>[2]) =>
  withStore(deps.storeLock, { dbPath: deps.dbPath, jobId: job.id, ...deps.storeHooks }, fn);

/**
 * One usage snapshot of one cluster. The Kubernetes API is read before the
 * store lock is taken (a slow cluster never holds up the store); only the
 * commit runs under it. A second collection in the same window replaces the first.
 */
export async function collectK8sTask(deps: TaskDeps, job: Job<CollectK8sData>, log: Logger) {
  const d = job.data;
  const kc = deps.kubeConfig?.() ?? loadKubeConfig();
  const [target] = kubeTargets(kc, [d.context]);
  const c = await collectClusterSnapshot(target!.kc, { cluster: d.cluster, window: d.window, warn: (m) => log.warn({ cluster: d.cluster }, m) });
  const r = await store(deps, job, ({ store: st }) =>
    commitSnapshots(st, { source: K8S_COLLECT_SOURCE, file: `${K8S_COLLECT_SOURCE}:${c.context}:${c.snapshot.ts}`, format: 'api', sha256: null }, [c.snapshot]),
  );
  await recordSourceSuccess(deps.redis, deps.prefix, `${K8S_COLLECT_SOURCE}/${d.cluster}`, deps.now());
  return {
    cluster: d.cluster, context: c.context, ts: c.snapshot.ts, import_id: r.importId, nodes: c.snapshot.nodes.length, pods: c.snapshot.pods.length,
    metrics: c.metrics, replaced: r.replacedSnapshots,
  };
}

/**
 * Month-to-date pulls of every billing source; on the first days of a month
 * also the previous month (final numbers arrive late) unless it is closed.
 * Pulls that succeeded are remembered in the job's progress, so a retry only
 * redoes the ones that failed.
 */
export async function billingPullTask(deps: TaskDeps, job: Job<BillingPullData>, log: Logger) {
  const now = deps.now();
  const current = monthIn(now, 'UTC');
  const done = new Set<string>(((job.progress as { done?: string[] } | undefined)?.done) ?? []);
  const results: PullSummary[] = [];
  const failures: string[] = [];
  let retryable = false;
  await store(deps, job, async ({ store: st, lease }) => {
    const periods = [current];
    if (now.getUTCDate() <= job.data.previous_month_until_day) {
      const prev = addMonths(current, -1);
      if ((await closeRecord(st, prev))?.status !== 'closed') periods.unshift(prev);
    }
    for (const src of job.data.sources) {
      for (const period of periods) {
        const k = `${src.id}:${period}`;
        if (done.has(k)) continue;
        await lease.assertHeld();
        try {
          const r = await pullSource(st, deps.loaded, src, period, deps.now);
          results.push(r);
          done.add(k);
          await recordSourceSuccess(deps.redis, deps.prefix, src.id, deps.now());
          for (const w of r.warnings) log.warn({ source: src.id, period }, w);
          log.info({ source: src.id, period, import_id: r.import_id, rows: r.rows }, 'billing pull imported');
        } catch (e) {
          failures.push(`${src.id} ${period}: ${(e as Error).message}`);
          retryable ||= isRetryable(e);
          log.warn({ ...errFields(e), source: src.id, period }, 'billing pull failed');
        }
      }
    }
  });
  await job.updateProgress({ done: [...done] });
  if (failures.length) {
    // A retry pulls again what failed (what succeeded is done); pointless when every failure says so.
    const message = `${failures.length} billing pull(s) failed: ${failures.join('; ')}`;
    throw retryable ? new AllotError(message) : new PermanentError(message);
  }
  return { periods: [...new Set(results.map((r) => r.period))], pulls: results };
}

/** Checks the configured sources against the store, records what it finds for /metrics, and warns about stale ones. */
export async function freshnessTask(deps: TaskDeps, job: Job<FreshnessData>, log: Logger) {
  const now = deps.now();
  // Jobs scheduled by an older Allot carry source types only.
  const watch: WatchedSource[] =
    job.data.watch ?? job.data.expected.map((id) => (id.startsWith(`${K8S_COLLECT_SOURCE}/`) ? { id, cluster: id.slice(K8S_COLLECT_SOURCE.length + 1) } : { id, like: `${id}:%` }));
  const inStore = await store(deps, job, ({ store: st }) => lastImports(st, watch));
  for (const [id, at] of inStore) await recordSourceSuccess(deps.redis, deps.prefix, id, new Date(at * 1000));
  const last = await readSourceSuccess(deps.redis, deps.prefix);
  const rows = freshness(watch, last, now, job.data.max_age_hours);
  for (const r of rows.filter((x) => x.stale)) {
    log.warn(
      { source: r.source, last_import_at: r.last_import_at, age_hours: r.age_hours, max_age_hours: job.data.max_age_hours },
      r.last_import_at ? `source ${r.source} stopped delivering: latest import ${r.age_hours} h ago` : `source ${r.source} has never delivered`,
    );
  }
  return { checked_at: now.toISOString(), max_age_hours: job.data.max_age_hours, stale: rows.filter((r) => r.stale).map((r) => r.source), sources: rows };
}

/** Adds the flow of the month before the trigger's local month (a no-op if that run exists). */
export async function monthlyTriggerTask(deps: TaskDeps, job: Job<MonthlyTriggerData>, log: Logger) {
  const period = periodToClose(deps.now(), job.data.timezone);
  const spec = { key: `monthly-${period}`, period, close: job.data.close, resend: false, sources: job.data.sources };
  const r = await enqueueMonthly(deps.flow, spec);
  log.info({ period, key: spec.key, added: r.added }, r.added ? 'monthly run enqueued' : 'monthly run already enqueued');
  return { period, key: spec.key, added: r.added, finish: r.finish.id };
}
