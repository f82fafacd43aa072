import { formatMicros, type Snapshot, type SnapshotNode, type SnapshotPod } from '../k8s/snapshot.ts';
import { addDec, isNegative, maxDec, parseDecimal, toBytes, toCores, type Dec } from '../k8s-collect/quantity.ts';
import { PrometheusError, type PromSeries } from './client.ts';
import type { BackfillPlan } from './plan.ts';
import type { QueryKey } from './queries.ts';

export type ChunkResults = Record<QueryKey, PromSeries[]>;

/** What was left out while turning series into snapshots (reported as warnings). */
export interface BuildStats {
  /** Samples that were NaN, infinite or negative. */
  badValues: number;
  /** Series without the labels they are grouped by (namespace, pod, node). */
  unlabelled: number;
  /** Node-windows with a cpu but no memory capacity sample, or the reverse. */
  halfNodes: number;
  /** kube_namespace_labels series with at least one label_* label. */
  labelledNamespaces: number;
  /** Series seen per query over the whole backfill. */
  series: Record<QueryKey, number>;
}

export function emptyStats(): BuildStats {
  return {
    badValues: 0,
    unlabelled: 0,
    halfNodes: 0,
    labelledNamespaces: 0,
    series: {
      podCpuRequest: 0, podMemoryRequest: 0, podCpuUsage: 0, podMemoryUsage: 0,
      nodeCpuCapacity: 0, nodeMemoryCapacity: 0, nodeInfo: 0, namespaceLabels: 0,
    },
  };
}

interface PodAcc {
  namespace: string;
  name: string;
  node?: string;
  cpuReq?: Dec;
  memReq?: Dec;
  cpuUse?: Dec;
  memUse?: Dec;
}

interface Window {
  nodes: Map<string, { cpu?: Dec; memory?: Dec }>;
  providers: Map<string, string>;
  namespaces: Map<string, Record<string, string>>;
  pods: Map<string, PodAcc>;
}

const POD_FIELD: Partial<Record<QueryKey, 'cpuReq' | 'memReq' | 'cpuUse' | 'memUse'>> = {
  podCpuRequest: 'cpuReq',
  podMemoryRequest: 'memReq',
  podCpuUsage: 'cpuUse',
  podMemoryUsage: 'memUse',
};

/**
 * Turns one chunk's range-query results into snapshots, one per window with
 * any node or pod sample (a window with none has no snapshot: no data is
 * not zero usage). A pod is in a window when any of its four series has a
 * sample there; a missing request counts 0, a missing usage is left out.
 * Values are converted exactly: cores rounded half up to 6 decimals, bytes
 * half up to an integer.
 */
export function buildSnapshots(
  cluster: string,
  plan: BackfillPlan,
  chunk: { first: number; count: number },
  results: ChunkResults,
  stats: BuildStats,
  where: string,
): Snapshot[] {
  const windows = new Map<number, Window>();
  const windowAt = (t: number, key: QueryKey): Window | undefined => {
    const i = (t - plan.start) / plan.step - 1;
    if (!Number.isInteger(i) || i < chunk.first || i >= chunk.first + chunk.count) {
      throw new PrometheusError(`${where} sent a sample at ${t}, not one of the asked evaluation times (${key})`);
    }
    let w = windows.get(i);
    if (!w) {
      w = { nodes: new Map(), providers: new Map(), namespaces: new Map(), pods: new Map() };
      windows.set(i, w);
    }
    return w;
  };
  const value = (v: string): Dec | undefined => {
    const d = parseDecimal(v);
    if (d === undefined || isNegative(d)) {
      stats.badValues++;
      return undefined;
    }
    return d;
  };

  for (const key of Object.keys(results) as QueryKey[]) {
    for (const s of results[key]) {
      stats.series[key]++;
      const m = s.metric;
      if (key === 'nodeCpuCapacity' || key === 'nodeMemoryCapacity' || key === 'nodeInfo') {
        if (!m.node) {
          stats.unlabelled++;
          continue;
        }
        for (const [t, v] of s.values) {
          const w = windowAt(t, key)!;
          if (key === 'nodeInfo') {
            if (m.provider_id) w.providers.set(m.node, m.provider_id);
            continue;
          }
          const d = value(v);
          if (d === undefined) continue;
          const n = w.nodes.get(m.node) ?? {};
          const field = key === 'nodeCpuCapacity' ? 'cpu' : 'memory';
          n[field] = n[field] ? maxDec(n[field], d) : d;
          w.nodes.set(m.node, n);
        }
        continue;
      }
      if (key === 'namespaceLabels') {
        if (!m.namespace) {
          stats.unlabelled++;
          continue;
        }
        const labels: Record<string, string> = {};
        for (const [k, v] of Object.entries(m)) if (k.startsWith('label_') && k.length > 6 && v !== '') labels[k.slice(6)] = v;
        if (Object.keys(labels).length) stats.labelledNamespaces++;
        for (const [t] of s.values) {
          const w = windowAt(t, key)!;
          w.namespaces.set(m.namespace, { ...w.namespaces.get(m.namespace), ...labels });
        }
        continue;
      }
      const field = POD_FIELD[key]!;
      if (!m.namespace || !m.pod) {
        stats.unlabelled++;
        continue;
      }
      for (const [t, v] of s.values) {
        const w = windowAt(t, key)!;
        const d = value(v);
        if (d === undefined) continue;
        const id = `${m.namespace}/${m.pod}`;
        const p = w.pods.get(id) ?? { namespace: m.namespace, name: m.pod };
        p[field] = p[field] ? addDec(p[field], d) : d;
        if (!p.node && m.node) p.node = m.node;
        w.pods.set(id, p);
      }
    }
  }

  const out: Snapshot[] = [];
  for (const i of [...windows.keys()].sort((a, b) => a - b)) {
    const w = windows.get(i)!;
    const nodes: SnapshotNode[] = [];
    for (const [name, n] of [...w.nodes].sort(([a], [b]) => (a < b ? -1 : 1))) {
      if (!n.cpu || !n.memory) {
        stats.halfNodes++;
        continue;
      }
      nodes.push({
        name,
        ...(w.providers.has(name) ? { provider_id: w.providers.get(name)! } : {}),
        cpu_capacity_cores: toCores(n.cpu),
        memory_capacity_bytes: toBytes(n.memory, 'half-up'),
      });
    }
    const pods: SnapshotPod[] = [...w.pods.values()]
      .sort((a, b) => (a.namespace === b.namespace ? (a.name < b.name ? -1 : 1) : a.namespace < b.namespace ? -1 : 1))
      .map((p) => ({
        namespace: p.namespace,
        name: p.name,
        ...(p.node ? { node: p.node } : {}),
        cpu_request_cores: p.cpuReq ? toCores(p.cpuReq) : 0,
        memory_request_bytes: p.memReq ? toBytes(p.memReq, 'half-up') : 0,
        ...(p.cpuUse ? { cpu_usage_cores: toCores(p.cpuUse) } : {}),
        ...(p.memUse ? { memory_usage_bytes: toBytes(p.memUse, 'half-up') } : {}),
      }));
    if (nodes.length === 0 && pods.length === 0) continue;
    const namespaces = [...w.namespaces].sort(([a], [b]) => (a < b ? -1 : 1)).map(([name, labels]) => ({ name, labels }));
    out.push({
      cluster,
      ts: formatMicros(BigInt(plan.start + i * plan.step) * 1_000_000n),
      window_seconds: plan.step,
      nodes,
      namespaces,
      pods,
    });
  }
  return out;
}
