/**
 * A scripted Prometheus HTTP API for tests: a `node:http` server on 127.0.0.1
 * answering `GET|POST /api/v1/query_range` as Prometheus 2.x/3.x does —
 * parameter checks, the 11,000-points-per-series limit, `{"status":"success",
 * "data":{"resultType":"matrix","result":[…]}}` with `[<unix time>, "<value>"]`
 * samples at start, start+step, … ≤ end, and `{"status":"error","errorType",
 * "error"}` errors. What the series are is up to a handler (see
 * `kubeMetricsHandler` for a small cluster model); faults script any reply.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface PromSample {
  metric: Record<string, string>;
  /** Value at an evaluation time (unix seconds), or undefined for no sample. */
  value: (t: number) => string | undefined;
}

export interface PromRangeQuery {
  query: string;
  start: number;
  end: number;
  step: number;
  /** The evaluation times: start, start + step, … ≤ end. */
  times: number[];
  headers: IncomingHttpHeaders;
  method: string;
}

export interface PromReply {
  status?: number;
  body?: unknown;
  raw?: string;
  contentType?: string;
}

/** Series for a query, or a reply of its own (an error). */
export type PromHandler = (q: PromRangeQuery) => PromSample[] | PromReply;

export interface PromFault {
  when?: (q: PromRangeQuery) => boolean;
  /** How many matching requests get the reply (default 1). */
  times?: number;
  /** Matching requests to let through before the fault fires (default 0). */
  after?: number;
  reply: PromReply;
}

export interface PromServer {
  url: string;
  port: number;
  requests: PromRangeQuery[];
  fault(f: PromFault): void;
  setHandler(h: PromHandler): void;
  close(): Promise<void>;
}

export function promError(status: number, errorType: string, error: string): PromReply {
  return { status, body: { status: 'error', errorType, error } };
}

/** Prometheus' own check (web/api/v1: `end.Sub(start)/step > 11000`). */
const TOO_MANY = 'exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)';

function parseTime(s: string | null): number | undefined {
  if (s === null) return undefined;
  if (/^[+-]?\d+(\.\d+)?$/.test(s)) return Number(s);
  const ms = Date.parse(s);
  return Number.isNaN(ms) ? undefined : ms / 1000;
}

function parseDuration(s: string | null): number | undefined {
  if (s === null) return undefined;
  if (/^\d+(\.\d+)?$/.test(s)) return Number(s);
  const m = /^(\d+)(ms|s|m|h|d)$/.exec(s);
  if (!m) return undefined;
  return Number(m[1]) * { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400 }[m[2] as 'ms' | 's' | 'm' | 'h' | 'd'];
}

export async function startPrometheusServer(handler: PromHandler, opts: { maxPoints?: number; token?: string; basic?: string } = {}): Promise<PromServer> {
  let current = handler;
  const requests: PromRangeQuery[] = [];
  const faults: (PromFault & { left: number; skip: number })[] = [];
  const maxPoints = opts.maxPoints ?? 11_000;

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const send = (r: PromReply) => {
        res.writeHead(r.status ?? 200, { 'content-type': r.contentType ?? 'application/json' });
        res.end(r.raw ?? JSON.stringify(r.body));
      };
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      if (url.pathname !== '/api/v1/query_range' || (req.method !== 'GET' && req.method !== 'POST')) {
        send({ status: 404, raw: '404 page not found\n', contentType: 'text/plain; charset=utf-8' });
        return;
      }
      const params = req.method === 'POST' ? new URLSearchParams(Buffer.concat(chunks).toString('utf8')) : url.searchParams;
      const start = parseTime(params.get('start'));
      const end = parseTime(params.get('end'));
      const step = parseDuration(params.get('step'));
      const query = params.get('query') ?? '';
      const q: PromRangeQuery = { query, start: start ?? NaN, end: end ?? NaN, step: step ?? NaN, times: [], headers: req.headers, method: req.method };
      requests.push(q);

      if (opts.token !== undefined && req.headers.authorization !== `Bearer ${opts.token}`) {
        send({ status: 401, raw: 'Unauthorized\n', contentType: 'text/plain; charset=utf-8' });
        return;
      }
      if (opts.basic !== undefined && req.headers.authorization !== `Basic ${Buffer.from(opts.basic).toString('base64')}`) {
        send({ status: 401, raw: 'Unauthorized\n', contentType: 'text/plain; charset=utf-8' });
        return;
      }
      if (start === undefined) return send(promError(400, 'bad_data', `invalid parameter "start": cannot parse ${JSON.stringify(params.get('start'))} to a valid timestamp`));
      if (end === undefined) return send(promError(400, 'bad_data', `invalid parameter "end": cannot parse ${JSON.stringify(params.get('end'))} to a valid timestamp`));
      if (end < start) return send(promError(400, 'bad_data', 'invalid parameter "end": end timestamp must not be before start time'));
      if (step === undefined) return send(promError(400, 'bad_data', `invalid parameter "step": cannot parse ${JSON.stringify(params.get('step'))} to a valid duration`));
      if (step <= 0) return send(promError(400, 'bad_data', 'invalid parameter "step": zero or negative query resolution step widths are not accepted. Try a positive integer'));
      if ((end - start) / step > maxPoints) return send(promError(400, 'bad_data', TOO_MANY.replace('11,000', maxPoints.toLocaleString('en-US'))));
      if (!query.trim()) return send(promError(400, 'bad_data', 'invalid parameter "query": 1:1: parse error: no expression found in input'));
      for (let t = start; t <= end; t += step) q.times.push(t);

      const fault = faults.find((f) => f.left > 0 && (f.when?.(q) ?? true) && (f.skip-- <= 0));
      if (fault) {
        fault.left--;
        send(fault.reply);
        return;
      }
      const out = current(q);
      if (!Array.isArray(out)) {
        send(out);
        return;
      }
      const result = out
        .map((s) => ({
          metric: s.metric,
          values: q.times.flatMap((t) => {
            const v = s.value(t);
            return v === undefined ? [] : [[t, v] as [number, string]];
          }),
        }))
        .filter((s) => s.values.length > 0); // Prometheus leaves out series with no sample in range
      send({ body: { status: 'success', data: { resultType: 'matrix', result } } });
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    fault: (f) => faults.push({ ...f, left: f.times ?? 1, skip: f.after ?? 0 }),
    setHandler: (h) => {
      current = h;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// ---------------------------------------------------------------- a small cluster, as kube-state-metrics and cAdvisor show it

/** A value, or a function of the evaluation time (unix seconds) giving one or undefined (no sample). */
export type Val = string | ((t: number) => string | undefined);

export interface PromModel {
  nodes: { name: string; cpu: Val; memory: Val; providerId?: string }[];
  /** Labels as kube-state-metrics exports them, without the `label_` prefix. */
  namespaces: { name: string; labels: Record<string, string> }[];
  pods: { namespace: string; name: string; node: string; cpuRequest?: Val; memoryRequest?: Val; cpuUsage?: Val; memoryUsage?: Val }[];
}

const at = (v: Val | undefined, t: number) => (v === undefined ? undefined : typeof v === 'string' ? v : v(t));

/** Which backfill query this is, from the metric it reads. */
export function queryKind(query: string): string | undefined {
  const res = /resource="(cpu|memory)"/.exec(query)?.[1];
  if (query.includes('kube_node_status_capacity')) return `node-${res}`;
  if (query.includes('kube_node_info')) return 'node-info';
  if (query.includes('kube_namespace_labels')) return 'ns-labels';
  if (query.includes('kube_pod_container_resource_requests')) return `request-${res}`;
  if (query.includes('container_cpu_usage_seconds_total')) return 'usage-cpu';
  if (query.includes('container_memory_working_set_bytes')) return 'usage-memory';
  return undefined;
}

/** Answers the backfill's queries from a model: series labelled as the queries' `by (…)` clauses leave them. */
export function kubeMetricsHandler(model: PromModel): PromHandler {
  return (q) => {
    const kind = queryKind(q.query);
    switch (kind) {
      case 'node-cpu':
      case 'node-memory':
        return model.nodes.map((n) => ({ metric: { node: n.name }, value: (t) => at(kind === 'node-cpu' ? n.cpu : n.memory, t) }));
      case 'node-info':
        return model.nodes.map((n) => ({ metric: { node: n.name, provider_id: n.providerId ?? '' }, value: (t) => (at(n.cpu, t) === undefined ? undefined : '1') }));
      case 'ns-labels':
        return model.namespaces.map((ns) => ({
          metric: { namespace: ns.name, job: 'kube-state-metrics', ...Object.fromEntries(Object.entries(ns.labels).map(([k, v]) => [`label_${k}`, v])) },
          value: () => '1',
        }));
      case 'request-cpu':
      case 'request-memory':
        return model.pods
          .filter((p) => (kind === 'request-cpu' ? p.cpuRequest : p.memoryRequest) !== undefined)
          .map((p) => ({ metric: { namespace: p.namespace, pod: p.name, node: p.node }, value: (t) => at(kind === 'request-cpu' ? p.cpuRequest : p.memoryRequest, t) }));
      case 'usage-cpu':
      case 'usage-memory':
        return model.pods
          .filter((p) => (kind === 'usage-cpu' ? p.cpuUsage : p.memoryUsage) !== undefined)
          .map((p) => ({ metric: { namespace: p.namespace, pod: p.name }, value: (t) => at(kind === 'usage-cpu' ? p.cpuUsage : p.memoryUsage, t) }));
      default:
        return promError(400, 'bad_data', `invalid parameter "query": 1:1: parse error: unexpected query in this test server: ${q.query}`);
    }
  };
}
