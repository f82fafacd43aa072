// `allot ingest prometheus`: a month of usage snapshots (one per step)
// rebuilt from kube-state-metrics and cAdvisor series in Prometheus, written
// through commitSnapshots like every other snapshot.
import type { Progress } from '../../util/progress.ts';
import type { Store } from '../../store/db.ts';
import { UsageError } from '../../util/errors.ts';
import { commitSnapshots, type Snapshot, type SnapshotImportResult } from '../k8s/index.ts';
import { PrometheusClient, PrometheusError, type PrometheusClientOptions } from './client.ts';
import { backfillPlan, chunkRange, PROMETHEUS_MAX_POINTS } from './plan.ts';
import { backfillQueries, checkSelector, type QueryKey } from './queries.ts';
import { buildSnapshots, emptyStats, type ChunkResults } from './snapshots.ts';

export { PrometheusClient, PrometheusError, type PromSeries, type PrometheusClientOptions } from './client.ts';
export { backfillPlan, chunkRange, DEFAULT_CHUNK_DAYS, parseStep, PROMETHEUS_MAX_POINTS, type BackfillPlan } from './plan.ts';
export { backfillQueries, checkSelector, type PromQuery, type QueryKey } from './queries.ts';
export { buildSnapshots } from './snapshots.ts';

export const PROMETHEUS_SOURCE = 'prometheus';

export interface PrometheusBackfillOptions extends Omit<PrometheusClientOptions, 'url'> {
  url: string;
  /** Cluster id of the snapshots (the config's clusters[].id). */
  cluster: string;
  /** YYYY-MM (UTC). The current month is backfilled up to the last complete window. */
  period: string;
  /** Seconds per snapshot (default 3600). */
  step?: number;
  /** Extra label matchers for every series, e.g. `cluster="prod"`. */
  selector?: string;
  /** Points per range query at most (default and maximum 11,000, Prometheus' limit). */
  maxPoints?: number;
  /** Days of windows per range query (default 7). */
  chunkDays?: number;
  now?: () => Date;
  progress?: Progress;
}

export interface PrometheusBackfillResult extends SnapshotImportResult {
  source: typeof PROMETHEUS_SOURCE;
  /** The Prometheus URL without credentials. */
  url: string;
  cluster: string;
  period: string;
  step: number;
  /** Windows in the period, and those asked for (fewer in the current month). */
  windows: number;
  windowsAsked: number;
  partial: boolean;
  /** Range queries sent (queries × chunks). */
  requests: number;
  chunks: number;
  warnings: string[];
}

/**
 * Backfills one cluster's snapshots for a month from Prometheus and imports
 * them as one import (source `prometheus`, file
 * `prometheus:<url>:<cluster>:<period>`): re-running replaces the same
 * (cluster, ts) snapshots, so nothing is counted twice. Queries are fetched
 * chunk by chunk inside the import's transaction; any failure (HTTP error,
 * `status: error`, malformed reply, no data at all) rolls back everything.
 */
export async function backfillPrometheus(store: Store, opts: PrometheusBackfillOptions): Promise<PrometheusBackfillResult> {
  if (!opts.cluster || opts.cluster.trim() === '') throw new UsageError('--cluster must not be empty');
  const step = opts.step ?? 3600;
  const extra = checkSelector(opts.selector);
  const plan = backfillPlan(opts.period, step, (opts.now ?? (() => new Date()))(), Math.min(opts.maxPoints ?? PROMETHEUS_MAX_POINTS, PROMETHEUS_MAX_POINTS), opts.chunkDays);
  const client = new PrometheusClient(opts);
  const queries = backfillQueries(step, extra);
  const where = `Prometheus at ${client.displayUrl}`;
  const file = `${PROMETHEUS_SOURCE}:${client.displayUrl}:${opts.cluster}:${opts.period}`;
  const stats = emptyStats();
  const promWarnings = new Set<string>();
  let written = 0;

  async function* snapshots(): AsyncGenerator<Snapshot> {
    opts.progress?.start(`Prometheus ${opts.period}`, plan.chunks.length * queries.length);
    let done = 0;
    for (const chunk of plan.chunks) {
      const { start, end } = chunkRange(plan, chunk);
      const results = {} as ChunkResults;
      for (const q of queries) {
        const r = await client.queryRange(q.promql, start, end, step, q.label);
        results[q.key] = r.series;
        for (const w of r.warnings) promWarnings.add(w);
        opts.progress?.tick(++done);
      }
      for (const s of buildSnapshots(opts.cluster, plan, chunk, results, stats, where)) {
        written++;
        yield s;
      }
    }
    if (written === 0) {
      throw new PrometheusError(
        `${where} has no data for cluster ${opts.cluster} in ${opts.period}${extra.length ? ` with --selector ${extra.join(',')}` : ''}: ` +
          'no kube-state-metrics (kube_node_status_capacity, kube_pod_container_resource_requests) or cAdvisor ' +
          '(container_cpu_usage_seconds_total) series in any window; check --url, --selector and that both are scraped ' +
          `(and kept that long); nothing was imported`,
      );
    }
  }

  let result: SnapshotImportResult;
  try {
    result = await commitSnapshots(store, { source: PROMETHEUS_SOURCE, file, format: 'api', sha256: null }, snapshots());
  } catch (e) {
    if (e instanceof PrometheusError && !e.message.endsWith('nothing was imported')) throw new PrometheusError(`${e.message}; nothing was imported`);
    throw e;
  } finally {
    opts.progress?.stop();
  }

  const warnings: string[] = [];
  const none = (keys: QueryKey[]) => keys.every((k) => stats.series[k] === 0);
  if (none(['nodeCpuCapacity', 'nodeMemoryCapacity'])) {
    warnings.push('no node capacity series (kube_node_status_capacity): capacity counts 0, so no idle cost is found');
  }
  if (none(['podCpuRequest', 'podMemoryRequest'])) {
    warnings.push('no pod request series (kube_pod_container_resource_requests with kube_pod_status_phase): requests count 0');
  }
  if (none(['podCpuUsage', 'podMemoryUsage'])) {
    warnings.push('no usage series (container_cpu_usage_seconds_total, container_memory_working_set_bytes): requests only');
  }
  if (none(['namespaceLabels'])) {
    warnings.push('no namespace label series (kube_namespace_labels): namespaces are owned by the config only');
  } else if (stats.labelledNamespaces === 0) {
    warnings.push(
      'kube_namespace_labels carries no label_* labels: kube-state-metrics exports namespace labels only when allowed ' +
        '(--metric-labels-allowlist=namespaces=[team,...]); namespaces are owned by the config only',
    );
  }
  if (result.snapshots < plan.count) {
    warnings.push(`${plan.count - result.snapshots} of ${plan.count} windows have no data and no snapshot`);
  }
  if (stats.badValues) warnings.push(`${stats.badValues} samples were NaN, infinite or negative and were left out`);
  if (stats.unlabelled) warnings.push(`${stats.unlabelled} series lacked their namespace, pod or node label and were left out`);
  if (stats.halfNodes) warnings.push(`${stats.halfNodes} node windows had only one of cpu and memory capacity and were left out`);
  for (const w of promWarnings) warnings.push(`Prometheus: ${w}`);

  return {
    ...result,
    source: PROMETHEUS_SOURCE,
    url: client.displayUrl,
    cluster: opts.cluster,
    period: opts.period,
    step,
    windows: plan.windows,
    windowsAsked: plan.count,
    partial: plan.partial,
    requests: client.requests,
    chunks: plan.chunks.length,
    warnings,
  };
}
