import { ApiException, CoreV1Api, Metrics, type KubeConfig, type V1ListMeta, type V1Namespace, type V1Node, type V1Pod } from '@kubernetes/client-node';
import { UsageError } from '../../util/errors.ts';
import { formatMicros, type Snapshot, type SnapshotNode, type SnapshotPod } from '../k8s/snapshot.ts';
import { describeKubernetesFailure, KubernetesError, MalformedReplyError, type Operation } from './errors.ts';
import { addDec, isNegative, parseQuantity, toBytes, toCores, ZERO, type Dec } from './quantity.ts';
import { podRequest, QuantityError } from './requests.ts';

import { DEFAULT_PAGE_SIZE, DEFAULT_WINDOW_SECONDS } from './defaults.ts';

export { DEFAULT_PAGE_SIZE, DEFAULT_WINDOW_SECONDS };
/** Restarts of a paged list whose continue token expired (HTTP 410) before giving up. */
const MAX_LIST_RESTARTS = 2;

export const INSTANCE_TYPE_LABELS = ['node.kubernetes.io/instance-type', 'beta.kubernetes.io/instance-type'];

export interface CollectSnapshotOptions {
  /** The snapshot's cluster id (what the config's `clusters[].id` names). */
  cluster: string;
  /** Seconds the snapshot stands for (default 3600): a divisor of 86400. */
  window?: number;
  /** The collection time; the snapshot's ts is this truncated to the window. */
  now?: Date;
  /** Items per list page (`limit`), default 500. */
  pageSize?: number;
  /** Called for each warning (no metrics API, …). */
  warn?: (message: string) => void;
}

/** A snapshot and what the collector saw on the way. */
export interface CollectedSnapshot {
  context: string;
  server: string;
  snapshot: Snapshot;
  /** False when the metrics API was missing: requests only, no usage. */
  metrics: boolean;
  podsWithUsage: number;
  /** Pods left out: finished (Succeeded/Failed) or not yet scheduled to a node. */
  skipped: { finished: number; unscheduled: number };
  /** HTTP list requests made (pages and the metrics call). */
  requests: number;
  warnings: string[];
}

/** `--window`: a whole number of seconds dividing a day, so that a window never straddles a month. */
export function checkWindow(window: number): number {
  if (!Number.isInteger(window) || window < 1 || window > 86400 || 86400 % window !== 0) {
    throw new UsageError(`--window must be a number of seconds that divides a day (60, 300, 900, 1800, 3600, 7200, 86400…), got ${window}`);
  }
  return window;
}

/** `now` truncated to the window (windows are aligned to the epoch, hence to UTC midnight), as ISO 8601. */
export function windowStart(now: Date, window: number): string {
  const ms = Math.floor(now.getTime() / (window * 1000)) * window * 1000;
  return formatMicros(BigInt(ms) * 1000n);
}

/**
 * Takes one snapshot of the KubeConfig's current context, now: nodes
 * (capacity, instance type, provider id, labels), namespaces (labels), pods
 * scheduled to a node and not finished (requests as the scheduler counts
 * them), and usage from the metrics API (metrics.k8s.io, summed over each
 * pod's containers) when it is there. Pure of the store.
 */
export async function collectSnapshot(kc: KubeConfig, opts: CollectSnapshotOptions): Promise<Snapshot> {
  return (await collectClusterSnapshot(kc, opts)).snapshot;
}

/** collectSnapshot with what happened on the way (warnings, skipped pods, requests). */
export async function collectClusterSnapshot(kc: KubeConfig, opts: CollectSnapshotOptions): Promise<CollectedSnapshot> {
  const window = checkWindow(opts.window ?? DEFAULT_WINDOW_SECONDS);
  const ts = windowStart(opts.now ?? new Date(), window);
  const pageSize = opts.pageSize ?? DEFAULT_PAGE_SIZE;
  const context = kc.getCurrentContext();
  const server = kc.getCurrentCluster()?.server ?? '(no server)';
  const warnings: string[] = [];
  const warn = (m: string) => {
    warnings.push(m);
    opts.warn?.(m);
  };
  let requests = 0;

  const call = async <T>(op: Operation, fn: () => Promise<T>): Promise<T> => {
    requests++;
    try {
      return await fn();
    } catch (e) {
      throw describeKubernetesFailure(context, server, op, e);
    }
  };
  const listAll = async <T>(op: Operation, page: (cont: string | undefined) => Promise<{ items?: T[]; metadata?: V1ListMeta }>) => {
    for (let attempt = 0; ; attempt++) {
      const out: T[] = [];
      let cont: string | undefined;
      try {
        do {
          const r = await page(cont);
          if (!r || !Array.isArray(r.items)) throw new MalformedReplyError('the list has no items array');
          out.push(...r.items);
          const next = r.metadata?._continue || undefined;
          if (next !== undefined && next === cont) throw new MalformedReplyError('the server returned the same continue token twice');
          cont = next;
        } while (cont !== undefined);
        return out;
      } catch (e) {
        // A continue token too old to finish a consistent list: start the list again.
        if (e instanceof ApiException && Number(e.code) === 410 && cont !== undefined && attempt < MAX_LIST_RESTARTS) continue;
        throw describeKubernetesFailure(context, server, op, e);
      }
    }
  };

  const core = kc.makeApiClient(CoreV1Api);
  const count = <T>(fn: () => Promise<T>) => {
    requests++;
    return fn();
  };

  const nodes = await listAll<V1Node>('nodes', (cont) => count(() => core.listNode({ limit: pageSize, _continue: cont })));
  const namespaces = await listAll<V1Namespace>('namespaces', (cont) => count(() => core.listNamespace({ limit: pageSize, _continue: cont })));
  const pods = await listAll<V1Pod>('pods', (cont) =>
    count(() => core.listPodForAllNamespaces({ limit: pageSize, _continue: cont, fieldSelector: 'status.phase!=Succeeded,status.phase!=Failed' })),
  );

  // Usage: the metrics API (metrics-server). Missing (404) or unavailable (503): requests only.
  let usage: Map<string, { cpu: Dec; memory: Dec }> | undefined;
  try {
    const list = await call('metrics', () => new Metrics(kc).getPodMetrics());
    if (!list || !Array.isArray(list.items)) {
      throw describeKubernetesFailure(context, server, 'metrics', new MalformedReplyError('the PodMetricsList has no items array'));
    }
    usage = new Map();
    for (const m of list.items) {
      const key = `${m.metadata?.namespace}/${m.metadata?.name}`;
      let cpu = ZERO;
      let memory = ZERO;
      for (const c of m.containers ?? []) {
        cpu = addDec(cpu, metricQuantity(context, server, key, c.name, 'cpu', c.usage?.cpu));
        memory = addDec(memory, metricQuantity(context, server, key, c.name, 'memory', c.usage?.memory));
      }
      usage.set(key, { cpu, memory });
    }
  } catch (e) {
    if (!(e instanceof KubernetesError) || (e.status !== 404 && e.status !== 503)) throw e;
    warn(
      e.status === 404
        ? `context ${context}: no metrics API (metrics.k8s.io is not served: is metrics-server installed?): usage is absent, requests only`
        : `context ${context}: the metrics API is unavailable (HTTP 503: metrics-server registered but not answering): usage is absent, requests only`,
    );
  }

  const snapNodes: SnapshotNode[] = nodes.map((n) => {
    const name = n.metadata?.name;
    if (!name) throw malformed(context, server, 'nodes', 'a node without metadata.name');
    const labels = { ...(n.metadata?.labels ?? {}) };
    const cap = n.status?.capacity ?? {};
    const q = (resource: 'cpu' | 'memory') => {
      const raw = cap[resource];
      const d = raw === undefined ? undefined : parseQuantity(String(raw));
      if (raw !== undefined && (!d || isNegative(d))) {
        throw malformed(context, server, 'nodes', `node ${name}: capacity ${resource} "${String(raw)}" is not a Kubernetes quantity`);
      }
      if (d === undefined) warn(`context ${context}: node ${name} reports no ${resource} capacity; counted as 0`);
      return d ?? ZERO;
    };
    const instanceType = INSTANCE_TYPE_LABELS.map((l) => labels[l]).find((v) => v !== undefined && v !== '');
    return {
      name,
      provider_id: n.spec?.providerID || null,
      instance_type: instanceType ?? null,
      cpu_capacity_cores: toCores(q('cpu')),
      memory_capacity_bytes: toBytes(q('memory')),
      labels,
    };
  });

  const snapNamespaces = namespaces.map((ns) => {
    const name = ns.metadata?.name;
    if (!name) throw malformed(context, server, 'namespaces', 'a namespace without metadata.name');
    return { name, labels: { ...(ns.metadata?.labels ?? {}) } };
  });

  const skipped = { finished: 0, unscheduled: 0 };
  const snapPods: SnapshotPod[] = [];
  let podsWithUsage = 0;
  for (const p of pods) {
    const namespace = p.metadata?.namespace;
    const name = p.metadata?.name;
    if (!namespace || !name) throw malformed(context, server, 'pods', 'a pod without metadata.namespace or metadata.name');
    const phase = p.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') {
      skipped.finished++;
      continue;
    }
    if (!p.spec?.nodeName) {
      skipped.unscheduled++;
      continue;
    }
    let cpu: Dec;
    let memory: Dec;
    try {
      cpu = podRequest(p, 'cpu');
      memory = podRequest(p, 'memory');
    } catch (e) {
      if (e instanceof QuantityError) throw malformed(context, server, 'pods', e.message);
      throw e;
    }
    const pod: SnapshotPod = {
      namespace,
      name,
      node: p.spec.nodeName,
      cpu_request_cores: toCores(cpu),
      memory_request_bytes: toBytes(memory),
    };
    const u = usage?.get(`${namespace}/${name}`);
    if (u) {
      pod.cpu_usage_cores = toCores(u.cpu);
      pod.memory_usage_bytes = toBytes(u.memory);
      podsWithUsage++;
    }
    snapPods.push(pod);
  }

  return {
    context,
    server,
    snapshot: { cluster: opts.cluster, ts, window_seconds: window, nodes: snapNodes, namespaces: snapNamespaces, pods: snapPods },
    metrics: usage !== undefined,
    podsWithUsage,
    skipped,
    requests,
    warnings,
  };
}

function malformed(context: string, server: string, op: Operation, why: string): KubernetesError {
  return describeKubernetesFailure(context, server, op, new MalformedReplyError(why));
}

function metricQuantity(context: string, server: string, pod: string, container: string, resource: string, raw: unknown): Dec {
  if (raw === undefined || raw === null) return ZERO;
  const d = parseQuantity(String(raw));
  if (!d || isNegative(d)) {
    throw malformed(context, server, 'metrics', `pod ${pod} container ${container}: ${resource} usage "${String(raw)}" is not a Kubernetes quantity`);
  }
  return d;
}
