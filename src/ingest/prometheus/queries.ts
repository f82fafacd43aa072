import { UsageError } from '../../util/errors.ts';

/** What each range query feeds in a snapshot. */
export type QueryKey =
  | 'podCpuRequest'
  | 'podMemoryRequest'
  | 'podCpuUsage'
  | 'podMemoryUsage'
  | 'nodeCpuCapacity'
  | 'nodeMemoryCapacity'
  | 'nodeInfo'
  | 'namespaceLabels';

export interface PromQuery {
  key: QueryKey;
  /** Short name for messages. */
  label: string;
  promql: string;
}

const MATCHER = /^\s*[a-zA-Z_][a-zA-Z0-9_]*\s*(?:=~|!~|!=|=)\s*"(?:[^"\\]|\\.)*"\s*$/;

/**
 * `--selector`: extra label matchers added to every series selector, e.g.
 * `cluster="prod"` when one Prometheus (Thanos, Mimir) holds several clusters.
 */
export function checkSelector(selector: string | undefined): string[] {
  if (selector === undefined || selector.trim() === '') return [];
  const parts = splitMatchers(selector);
  for (const p of parts) {
    if (!MATCHER.test(p)) throw new UsageError(`--selector must be PromQL label matchers such as cluster="prod",env=~"eu-.*"; cannot read ${JSON.stringify(p.trim())}`);
  }
  return parts.map((p) => p.trim());
}

/** Splits `a="x,y",b!="z"` on the commas outside quotes. */
function splitMatchers(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    if (quoted && ch === '\\') {
      cur += ch + (s[i + 1] ?? '');
      i++;
      continue;
    }
    if (ch === '"') quoted = !quoted;
    if (ch === ',' && !quoted) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

/**
 * The range queries of a backfill, each evaluated at the END of a window of
 * `step` seconds (the snapshot at ts T covers (T, T+step]):
 *
 * - requests (kube-state-metrics): the average over the window of each
 *   container's request, max over duplicate exporters, summed per pod, for
 *   pods scheduled to a node (`node!=""`) and Pending or Running at some
 *   point of the window (finished pods keep their request series until
 *   deleted);
 * - usage (cAdvisor): `rate()` of CPU seconds and the average working set,
 *   summed over the pod's containers;
 * - node capacity (kube-state-metrics) and provider id (`kube_node_info`);
 * - namespace labels (`kube_namespace_labels`, `label_*`).
 */
export function backfillQueries(step: number, extra: string[] = []): PromQuery[] {
  const r = `[${step}s]`;
  const sel = (metric: string, ...matchers: string[]) => {
    const all = [...matchers, ...extra];
    return all.length ? `${metric}{${all.join(', ')}}` : metric;
  };
  const running = `(max by (namespace, pod) (max_over_time(${sel('kube_pod_status_phase', 'phase=~"Pending|Running"')}${r})) == 1)`;
  const request = (resource: string) =>
    `sum by (namespace, pod, node) (max by (namespace, pod, container, node) (avg_over_time(${sel('kube_pod_container_resource_requests', `resource="${resource}"`, 'node!=""')}${r}))` +
    ` * on (namespace, pod) group_left() ${running})`;
  const capacity = (resource: string) => `max by (node) (max_over_time(${sel('kube_node_status_capacity', `resource="${resource}"`)}${r}))`;
  const containers = ['container!=""', 'container!="POD"'];
  return [
    { key: 'nodeCpuCapacity', label: 'node cpu capacity', promql: capacity('cpu') },
    { key: 'nodeMemoryCapacity', label: 'node memory capacity', promql: capacity('memory') },
    { key: 'nodeInfo', label: 'node provider ids', promql: `max by (node, provider_id) (max_over_time(${sel('kube_node_info')}${r}))` },
    { key: 'namespaceLabels', label: 'namespace labels', promql: `max_over_time(${sel('kube_namespace_labels')}${r})` },
    { key: 'podCpuRequest', label: 'pod cpu requests', promql: request('cpu') },
    { key: 'podMemoryRequest', label: 'pod memory requests', promql: request('memory') },
    { key: 'podCpuUsage', label: 'pod cpu usage', promql: `sum by (namespace, pod) (rate(${sel('container_cpu_usage_seconds_total', ...containers)}${r}))` },
    {
      key: 'podMemoryUsage',
      label: 'pod memory usage',
      promql: `sum by (namespace, pod) (avg_over_time(${sel('container_memory_working_set_bytes', ...containers)}${r}))`,
    },
  ];
}
