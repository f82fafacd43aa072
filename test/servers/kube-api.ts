/**
 * A local Kubernetes API server for tests: a `node:http` server on 127.0.0.1
 * that answers the list calls of the Allot collector as kube-apiserver does
 * (shared/wire-testing.md §2), so the real `@kubernetes/client-node` talks
 * to it over HTTP:
 *
 * - `GET /api/v1/nodes`, `/api/v1/namespaces`, `/api/v1/pods` with `limit`,
 *   `continue` (opaque tokens in `metadata.continue`, `remainingItemCount`)
 *   and the pod field selector on `status.phase`;
 * - `GET /apis/metrics.k8s.io/v1beta1/pods` (PodMetricsList), or 404/503
 *   when the metrics API is absent or down;
 * - `kind`/`apiVersion` on every reply; errors as `Status` objects (401 for a
 *   wrong bearer token, 403 with the RBAC message, 410 for an expired
 *   continue token, 404 for unknown paths);
 * - scripted faults (any status, raw bodies) and a log of every request.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

type Obj = Record<string, unknown>;

// ---------------------------------------------------------------- object builders

export function kNode(
  name: string,
  o: { cpu?: string; memory?: string; instanceType?: string; region?: string; providerID?: string; labels?: Record<string, string> } = {},
): Obj {
  const labels: Record<string, string> = { 'kubernetes.io/hostname': name, ...o.labels };
  if (o.instanceType) labels['node.kubernetes.io/instance-type'] = o.instanceType;
  if (o.region) labels['topology.kubernetes.io/region'] = o.region;
  const capacity: Record<string, string> = { pods: '110' };
  if (o.cpu !== undefined) capacity.cpu = o.cpu;
  if (o.memory !== undefined) capacity.memory = o.memory;
  return {
    metadata: { name, uid: `uid-${name}`, resourceVersion: '100', labels },
    spec: o.providerID ? { providerID: o.providerID } : {},
    status: { capacity, allocatable: capacity },
  };
}

export function kNamespace(name: string, labels: Record<string, string> = {}): Obj {
  return {
    metadata: { name, uid: `uid-ns-${name}`, labels: { 'kubernetes.io/metadata.name': name, ...labels } },
    spec: { finalizers: ['kubernetes'] },
    status: { phase: 'Active' },
  };
}

export interface KContainer {
  name?: string;
  cpu?: string;
  memory?: string;
  /** Init containers only: a sidecar (`restartPolicy: Always`). */
  sidecar?: boolean;
}

export function kPod(
  namespace: string,
  name: string,
  o: { node?: string | null; phase?: string; containers?: KContainer[]; init?: KContainer[]; overhead?: Record<string, string>; podRequests?: Record<string, string> } = {},
): Obj {
  const container = (c: KContainer, i: number, prefix: string) => {
    const requests: Record<string, string> = {};
    if (c.cpu !== undefined) requests.cpu = c.cpu;
    if (c.memory !== undefined) requests.memory = c.memory;
    return {
      name: c.name ?? `${prefix}${i}`,
      image: 'registry.example/app:1',
      resources: Object.keys(requests).length ? { requests } : {},
      ...(c.sidecar ? { restartPolicy: 'Always' } : {}),
    };
  };
  const spec: Obj = { containers: (o.containers ?? [{ cpu: '100m', memory: '128Mi' }]).map((c, i) => container(c, i, 'app')) };
  if (o.init) spec.initContainers = o.init.map((c, i) => container(c, i, 'init'));
  if (o.node !== null) spec.nodeName = o.node ?? 'node-a';
  if (o.overhead) spec.overhead = o.overhead;
  if (o.podRequests) spec.resources = { requests: o.podRequests };
  return {
    metadata: { name, namespace, uid: `uid-${namespace}-${name}` },
    spec,
    status: { phase: o.phase ?? 'Running' },
  };
}

export function kPodMetrics(namespace: string, name: string, containers: { name?: string; cpu: string; memory: string }[]): Obj {
  return {
    metadata: { name, namespace, creationTimestamp: '2026-10-14T10:37:00Z' },
    timestamp: '2026-10-14T10:36:45Z',
    window: '15.012s',
    containers: containers.map((c, i) => ({ name: c.name ?? `app${i}`, usage: { cpu: c.cpu, memory: c.memory } })),
  };
}

// ---------------------------------------------------------------- server

export type KubeResource = 'nodes' | 'namespaces' | 'pods' | 'metrics';

export interface KubeApiData {
  nodes: Obj[];
  namespaces: Obj[];
  pods: Obj[];
  /** Pod metrics; `absent` = no metrics API (404), `unavailable` = APIService down (503). */
  podMetrics: Obj[] | 'absent' | 'unavailable';
}

export interface KubeRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
}

export interface KubeReply {
  status?: number;
  body?: unknown;
  /** Sent verbatim instead of `body`. */
  raw?: string;
  contentType?: string;
}

export interface KubeFault {
  /** Requests whose path equals this (default: any). */
  path?: string;
  when?: (req: KubeRequest) => boolean;
  /** How many matching requests get the reply (default 1). */
  times?: number;
  reply: KubeReply;
}

export interface KubeApiServer {
  url: string;
  port: number;
  token: string;
  requests: KubeRequest[];
  /** Requests to one path. */
  count(path: string): number;
  fault(f: KubeFault): void;
  /** Resources the token's user may not list (403 with the RBAC message). */
  forbid(...resources: KubeResource[]): void;
  /** The next `n` requests carrying a continue token get 410 Expired. */
  expireContinue(n?: number): void;
  data: KubeApiData;
  close(): Promise<void>;
}

export const USER = 'system:serviceaccount:allot:collector';

export function status(code: number, reason: string, message: string, details: Obj = {}): KubeReply {
  return { status: code, body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, details, code } };
}

const LISTS: Record<string, { resource: KubeResource; kind: string; apiVersion: string }> = {
  '/api/v1/nodes': { resource: 'nodes', kind: 'NodeList', apiVersion: 'v1' },
  '/api/v1/namespaces': { resource: 'namespaces', kind: 'NamespaceList', apiVersion: 'v1' },
  '/api/v1/pods': { resource: 'pods', kind: 'PodList', apiVersion: 'v1' },
  '/apis/metrics.k8s.io/v1beta1/pods': { resource: 'metrics', kind: 'PodMetricsList', apiVersion: 'metrics.k8s.io/v1beta1' },
};

const EXPIRED =
  'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, ' +
  'or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an ' +
  'inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.';

/** Pods matching a `status.phase` field selector (`status.phase!=Succeeded,status.phase!=Failed`). */
function fieldFilter(selector: string): ((o: Obj) => boolean) | string {
  const tests: ((o: Obj) => boolean)[] = [];
  for (const term of selector.split(',').filter(Boolean)) {
    const m = /^([a-zA-Z.]+)(!=|==|=)(.*)$/.exec(term);
    if (!m || m[1] !== 'status.phase') return `"${m?.[1] ?? term}" is not a known field selector: only "status.phase" is supported here`;
    const value = m[3];
    const neg = m[2] === '!=';
    tests.push((o) => ((o.status as Obj | undefined)?.phase === value) !== neg);
  }
  return (o) => tests.every((t) => t(o));
}

export async function startKubeApiServer(data: KubeApiData, opts: { token?: string } = {}): Promise<KubeApiServer> {
  const token = opts.token ?? 't0k';
  const requests: KubeRequest[] = [];
  const faults: (KubeFault & { left: number })[] = [];
  const forbidden = new Set<KubeResource>();
  let expire = 0;
  let resourceVersion = 1000;

  const server: Server = createServer((req, res) => {
    const send = (r: KubeReply) => {
      res.writeHead(r.status ?? 200, { 'content-type': r.contentType ?? 'application/json', 'audit-id': `audit-${requests.length}` });
      res.end(r.raw ?? JSON.stringify(r.body ?? {}));
    };
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const request: KubeRequest = { method: req.method ?? 'GET', path: url.pathname, query: Object.fromEntries(url.searchParams), headers: req.headers };
    requests.push(request);

    const fault = faults.find((f) => f.left > 0 && (f.path === undefined || f.path === request.path) && (f.when?.(request) ?? true));
    if (fault) {
      fault.left--;
      send(fault.reply);
      return;
    }
    if (req.headers.authorization !== `Bearer ${token}`) {
      send(status(401, 'Unauthorized', 'Unauthorized'));
      return;
    }
    const list = LISTS[request.path];
    if (request.method !== 'GET' || !list) {
      send(status(404, 'NotFound', 'the server could not find the requested resource'));
      return;
    }
    // Authorization comes first, as in kube-apiserver (RBAC before the aggregated API).
    if (forbidden.has(list.resource)) {
      const [res2, group] = list.resource === 'metrics' ? ['pods', 'metrics.k8s.io'] : [list.resource, ''];
      const name = group ? `${res2}.${group}` : res2;
      send(status(403, 'Forbidden', `${name} is forbidden: User "${USER}" cannot list resource "${res2}" in API group "${group}" at the cluster scope`, { ...(group ? { group } : {}), kind: res2 }));
      return;
    }

    if (list.resource === 'metrics' && typeof data.podMetrics === 'string') {
      send(
        data.podMetrics === 'absent'
          ? status(404, 'NotFound', 'the server could not find the requested resource')
          : status(503, 'ServiceUnavailable', 'the server is currently unable to handle the request (get pods.metrics.k8s.io)', { group: 'metrics.k8s.io', kind: 'pods' }),
      );
      return;
    }
    let items: Obj[] =
      list.resource === 'nodes' ? data.nodes : list.resource === 'namespaces' ? data.namespaces : list.resource === 'pods' ? data.pods : (data.podMetrics as Obj[]);
    const selector = request.query.fieldSelector;
    if (selector) {
      const f = list.resource === 'pods' ? fieldFilter(selector) : `field selectors are not supported on ${list.resource} here`;
      if (typeof f === 'string') {
        send(status(400, 'BadRequest', f));
        return;
      }
      items = items.filter(f);
    }

    // Paging: metrics-server ignores limit/continue, like the real one.
    let start = 0;
    let rv = String(resourceVersion++);
    const cont = request.query.continue;
    if (cont && list.resource !== 'metrics') {
      if (expire > 0) {
        expire--;
        send(status(410, 'Expired', EXPIRED));
        return;
      }
      try {
        const t = JSON.parse(Buffer.from(cont, 'base64').toString('utf8')) as { rv: string; start: number; path: string };
        if (t.path !== request.path || !Number.isInteger(t.start)) throw new Error('bad token');
        start = t.start;
        rv = t.rv;
      } catch {
        send(status(400, 'BadRequest', `continue key is not valid: illegal base64 data at input byte 0`));
        return;
      }
    }
    const limit = list.resource === 'metrics' ? 0 : Number(request.query.limit ?? 0);
    const end = limit > 0 ? Math.min(items.length, start + limit) : items.length;
    const metadata: Obj = { resourceVersion: rv };
    if (end < items.length) {
      metadata.continue = Buffer.from(JSON.stringify({ rv, start: end, path: request.path })).toString('base64');
      if (!selector) metadata.remainingItemCount = items.length - end;
    }
    send({ body: { kind: list.kind, apiVersion: list.apiVersion, metadata, items: items.slice(start, end) } });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    token,
    requests,
    data,
    count: (path) => requests.filter((r) => r.path === path).length,
    fault: (f) => faults.push({ ...f, left: f.times ?? 1 }),
    forbid: (...r) => r.forEach((x) => forbidden.add(x)),
    expireContinue: (n = 1) => {
      expire += n;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A kubeconfig (YAML) with one context per server, `insecure-skip-tls-verify` for plain http. */
export function kubeconfigYaml(contexts: { name: string; server: string; token: string }[], current?: string): string {
  const lines = ['apiVersion: v1', 'kind: Config', 'clusters:'];
  for (const c of contexts) lines.push(`- name: ${c.name}-cluster`, '  cluster:', `    server: ${c.server}`, '    insecure-skip-tls-verify: true');
  lines.push('users:');
  for (const c of contexts) lines.push(`- name: ${c.name}-user`, '  user:', `    token: ${c.token}`);
  lines.push('contexts:');
  for (const c of contexts) lines.push(`- name: ${c.name}`, '  context:', `    cluster: ${c.name}-cluster`, `    user: ${c.name}-user`);
  if (current ?? contexts[0]?.name) lines.push(`current-context: ${current ?? contexts[0]!.name}`);
  return `${lines.join('\n')}\n`;
}
