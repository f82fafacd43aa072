import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { attribute } from '../../src/allocate/run.ts';
import {
  backfillPlan, backfillPrometheus, backfillQueries, checkSelector, parseStep, PrometheusError, type PrometheusBackfillOptions,
} from '../../src/ingest/prometheus/index.ts';
import type { Store } from '../../src/store/db.ts';
import { addItems, config, rows, tempStore } from '../allocate/fixture.ts';
import { kubeMetricsHandler, promError, queryKind, startPrometheusServer, type PromModel, type PromServer } from '../servers/prometheus.ts';

const OCT = Date.UTC(2026, 9, 1) / 1000;
const hourOf = (t: number) => Math.round((t - OCT) / 3600) - 1; // window index of an evaluation time (end of window)

/**
 * One 4-core, 16 GiB node all month; payments/api (1 core, 4 GiB requested,
 * using less), search/indexer (using more than its request) and
 * search/batch (every other hour, no usage series).
 */
function model(): PromModel {
  return {
    nodes: [{ name: 'ip-10-0-1-5', cpu: '4', memory: '1.7179869184e+10', providerId: 'aws:///eu-west-1a/i-0abc' }],
    namespaces: [
      { name: 'payments', labels: { team: 'payments' } },
      { name: 'search', labels: { team: 'search', tier: 'backend' } },
      { name: 'kube-system', labels: {} },
    ],
    pods: [
      { namespace: 'payments', name: 'api-7d9f', node: 'ip-10-0-1-5', cpuRequest: '1', memoryRequest: '4294967296', cpuUsage: '0.5000000000000001', memoryUsage: '2147483648' },
      { namespace: 'search', name: 'indexer-0', node: 'ip-10-0-1-5', cpuRequest: '0.5', memoryRequest: '2147483648', cpuUsage: '1.4999996', memoryUsage: '6442450943.5' },
      {
        namespace: 'search', name: 'batch', node: 'ip-10-0-1-5',
        cpuRequest: (t) => (hourOf(t) % 2 === 0 ? '1' : undefined),
        memoryRequest: (t) => (hourOf(t) % 2 === 0 ? '2147483648' : undefined),
      },
    ],
  };
}

const CONFIG = `
team_tag_keys: [team]
namespace_team_labels: [team]
teams:
  - { id: payments, name: Payments, cost_center: CC-1, gl_account: "1" }
  - { id: search, name: Search, cost_center: CC-2, gl_account: "2" }
clusters:
  - id: prod
    match: { tags: { "eks:cluster-name": prod } }
    prices: { cpu_core_hour: 1, memory_gib_hour: 0.25 }
`;

describe('ingest prometheus: a month of hourly snapshots from the Prometheus HTTP API', () => {
  let srv: PromServer;
  let store: Store;
  const NOW = () => new Date('2026-12-05T08:00:00Z');

  beforeEach(async () => {
    srv = await startPrometheusServer(kubeMetricsHandler(model()));
    store = await tempStore();
  });
  afterEach(async () => {
    store.close();
    await srv.close();
    rmSync(dirname(store.path), { recursive: true, force: true });
  });

  const opts = (over: Partial<PrometheusBackfillOptions> = {}): PrometheusBackfillOptions => ({ url: srv.url, cluster: 'prod', period: '2026-10', now: NOW, ...over });
  const counts = async () =>
    store.one<{ snapshots: string; current: string; pods: string; imports: string }>(
      `SELECT (SELECT count(*) FROM k8s_snapshots) AS snapshots, (SELECT count(*) FROM k8s_snapshots WHERE superseded_by IS NULL) AS current,
              (SELECT count(*) FROM k8s_pods) AS pods, (SELECT count(*) FROM imports) AS imports`,
    );
  const failure = async (p: Promise<unknown>) => {
    const e = await p.then(
      () => undefined,
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(PrometheusError);
    return (e as PrometheusError).message;
  };

  it('backfills 744 hourly snapshots for October with exact values, and attribution splits the cluster by them', async () => {
    const r = await backfillPrometheus(store, opts());
    expect(r).toMatchObject({
      source: 'prometheus', status: 'active', file: `prometheus:${srv.url}:prod:2026-10`, url: srv.url, cluster: 'prod', period: '2026-10',
      step: 3600, windows: 744, windowsAsked: 744, partial: false, snapshots: 744, pods: 744 * 2 + 372, nodes: 744, namespaces: 744 * 3,
      clusters: ['prod'], from: '2026-10-01T00:00:00Z', to: '2026-10-31T23:00:00Z', requests: 40, chunks: 5, replacedSnapshots: 0,
    });
    expect(r.warnings).toEqual([]);

    // One range query per metric and week, over the window ends: 01:00 on the 1st .. 00:00 on Nov 1st, step 3600.
    expect(srv.requests.slice(0, 8).map((q) => queryKind(q.query))).toEqual([
      'node-cpu', 'node-memory', 'node-info', 'ns-labels', 'request-cpu', 'request-memory', 'usage-cpu', 'usage-memory',
    ]);
    const weeks = srv.requests.filter((q) => queryKind(q.query) === 'usage-cpu');
    expect(weeks.map((q) => [q.method, q.step, q.start, q.end, q.times.length])).toEqual([
      ['GET', 3600, OCT + 3600, OCT + 168 * 3600, 168],
      ['GET', 3600, OCT + 169 * 3600, OCT + 336 * 3600, 168],
      ['GET', 3600, OCT + 337 * 3600, OCT + 504 * 3600, 168],
      ['GET', 3600, OCT + 505 * 3600, OCT + 672 * 3600, 168],
      ['GET', 3600, OCT + 673 * 3600, Date.UTC(2026, 10, 1) / 1000, 72],
    ]);
    expect(weeks[0]?.query).toBe('sum by (namespace, pod) (rate(container_cpu_usage_seconds_total{container!="", container!="POD"}[3600s]))');

    expect(await store.all(`SELECT strftime(ts, '%Y-%m-%dT%H:%M:%SZ') AS ts, window_seconds AS w, period FROM k8s_snapshots ORDER BY ts LIMIT 2`)).toEqual([
      { ts: '2026-10-01T00:00:00Z', w: 3600, period: '2026-10' },
      { ts: '2026-10-01T01:00:00Z', w: 3600, period: '2026-10' },
    ]);
    expect(
      await store.all(
        `SELECT namespace, name, node, cpu_request_cores::VARCHAR AS cpu_req, cpu_usage_cores::VARCHAR AS cpu_use,
                memory_request_bytes::VARCHAR AS mem_req, memory_usage_bytes::VARCHAR AS mem_use, count(*)::INTEGER AS hours
         FROM k8s_pods GROUP BY ALL ORDER BY ALL`,
      ),
    ).toEqual([
      { namespace: 'payments', name: 'api-7d9f', node: 'ip-10-0-1-5', cpu_req: '1.000000', cpu_use: '0.500000', mem_req: '4294967296', mem_use: '2147483648', hours: 744 },
      { namespace: 'search', name: 'batch', node: 'ip-10-0-1-5', cpu_req: '1.000000', cpu_use: null, mem_req: '2147483648', mem_use: null, hours: 372 },
      { namespace: 'search', name: 'indexer-0', node: 'ip-10-0-1-5', cpu_req: '0.500000', cpu_use: '1.500000', mem_req: '2147483648', mem_use: '6442450944', hours: 744 },
    ]);
    expect(await store.all(`SELECT DISTINCT name, provider_id, cpu_capacity_cores::VARCHAR AS cpu, memory_capacity_bytes::VARCHAR AS mem FROM k8s_nodes`)).toEqual([
      { name: 'ip-10-0-1-5', provider_id: 'aws:///eu-west-1a/i-0abc', cpu: '4.000000', mem: '17179869184' },
    ]);
    expect(await store.all(`SELECT DISTINCT name, labels::JSON::VARCHAR AS labels FROM k8s_namespaces ORDER BY name`)).toEqual([
      { name: 'kube-system', labels: '{}' },
      { name: 'payments', labels: '{"team":"payments"}' },
      { name: 'search', labels: '{"team":"search","tier":"backend"}' },
    ]);

    // Attribution: C = 1488 split half CPU, half memory (prices 1 per core-hour, 0.25 per GiB-hour; 4 cores, 16 GiB).
    // payments: CPU 1/4, memory 4/16 -> 186 + 186. search: CPU (1.5·744 + 1·372)/(4·744) = 1/2 -> 372;
    // memory (6·744 + 2·372)/(16·744) = 7/16 -> 325.50. Idle (CPU 186, memory 232.50) follows usage shares.
    const loaded = config(CONFIG);
    await addItems(store, '2026-10', [{ cost: '1488.00', service: 'Amazon Elastic Kubernetes Service', tags: { 'eks:cluster-name': 'prod' } }], 900);
    const run = await attribute(store, loaded, '2026-10');
    const out = await rows(store, run.runId);
    expect(out['payments/kubernetes/Kubernetes (prod)/USD']).toBe('372.00');
    expect(out['search/kubernetes/Kubernetes (prod)/USD']).toBe('697.50');
    // payments idle: CPU 186 × 744/2232 = 62; memory 232.50 × 2976/8184 = 84.5454… -> 146.55.
    const idle = Object.entries(out).filter(([k]) => k.includes('/idle/'));
    expect(idle.map(([k, v]) => [k.split('/')[0], v])).toEqual([
      ['payments', '146.55'],
      ['search', '271.95'],
    ]);
    expect(Object.values(out).reduce((s, v) => s + Math.round(Number(v) * 100), 0)).toBe(148800);
    expect(run.totals).toEqual([expect.objectContaining({ currency: 'USD', ok: true })]);

    // Backfilling again replaces the same (cluster, ts) snapshots: nothing is counted twice.
    const again = await backfillPrometheus(store, opts());
    expect(again).toMatchObject({ snapshots: 744, replacedSnapshots: 744, replaced: [r.importId] });
    expect(again.note).toBe(`replaces 744 snapshots of import #${r.importId}`);
    expect(await counts()).toEqual({ snapshots: '1488', current: '744', pods: String(2 * (744 * 2 + 372)), imports: '2' });
    expect(await store.all(`SELECT import_id, status, superseded_by FROM imports ORDER BY import_id`)).toEqual([
      { import_id: r.importId, status: 'superseded', superseded_by: again.importId },
      { import_id: again.importId, status: 'active', superseded_by: null },
    ]);
    const rerun = await attribute(store, loaded, '2026-10');
    expect(await rows(store, rerun.runId)).toEqual(out);
  });

  it('a 30-day month gives 720 snapshots; --step 2h gives 2-hour windows', async () => {
    const sep = await backfillPrometheus(store, opts({ period: '2026-09' }));
    expect(sep).toMatchObject({ snapshots: 720, windows: 720, from: '2026-09-01T00:00:00Z', to: '2026-09-30T23:00:00Z' });
    const two = await backfillPrometheus(store, opts({ period: '2026-10', step: parseStep('2h') }));
    expect(two).toMatchObject({ snapshots: 372, windows: 372, step: 7200, to: '2026-10-31T22:00:00Z' });
    const first = srv.requests.find((q) => q.step === 7200);
    expect(first).toMatchObject({ start: OCT + 7200, end: OCT + 84 * 7200 });
    expect(first?.query).toContain('[7200s]');
    expect(await store.one(`SELECT DISTINCT window_seconds AS w FROM k8s_snapshots WHERE period = '2026-10'`)).toEqual({ w: 7200 });
  });

  it('splits a range into chunks under the points limit and gets the same snapshots', async () => {
    await srv.close();
    srv = await startPrometheusServer(kubeMetricsHandler(model()), { maxPoints: 100 });
    // Asked in one piece, this server refuses like Prometheus does beyond its limit.
    expect(await failure(backfillPrometheus(store, opts()))).toBe(
      `Prometheus at ${srv.url} failed the query (HTTP 400 Bad Request: bad_data: exceeded maximum resolution of 100 points per timeseries. ` +
        'Try decreasing the query resolution (?step=XX)) (node cpu capacity: max by (node) (max_over_time(kube_node_status_capacity{resource="cpu"}[3600s]))); nothing was imported',
    );
    srv.requests.length = 0;
    const r = await backfillPrometheus(store, opts({ maxPoints: 100 }));
    expect(r).toMatchObject({ snapshots: 744, chunks: 8, requests: 64 });
    const ranges = srv.requests.filter((q) => queryKind(q.query) === 'node-cpu').map((q) => [hourOf(q.start), hourOf(q.end), q.times.length]);
    expect(ranges).toEqual([[0, 99, 100], [100, 199, 100], [200, 299, 100], [300, 399, 100], [400, 499, 100], [500, 599, 100], [600, 699, 100], [700, 743, 44]]);
    expect(await store.one(`SELECT count(*)::INTEGER AS pods, sum(cpu_request_cores)::VARCHAR AS cpu FROM k8s_pods`)).toEqual({ pods: 744 * 2 + 372, cpu: '1488.000000' });
    // A week per query by default; never more than Prometheus' 11,000 points.
    expect(backfillPlan('2026-10', 60, NOW()).chunks).toEqual([
      { first: 0, count: 10080 }, { first: 10080, count: 10080 }, { first: 20160, count: 10080 }, { first: 30240, count: 10080 }, { first: 40320, count: 4320 },
    ]);
    expect(backfillPlan('2026-10', 60, NOW(), undefined, 31).chunks).toEqual([
      { first: 0, count: 11000 }, { first: 11000, count: 11000 }, { first: 22000, count: 11000 }, { first: 33000, count: 11000 }, { first: 44000, count: 640 },
    ]);
    expect(backfillPlan('2026-10', 3600, NOW(), undefined, 31).chunks).toEqual([{ first: 0, count: 744 }]);
  });

  it('a missing series in an hour means no pod sample that hour; hours with no data have no snapshot', async () => {
    const m = model();
    m.pods[0]!.cpuUsage = (t) => (hourOf(t) < 10 ? undefined : '0.25');
    m.pods[0]!.memoryUsage = (t) => (hourOf(t) < 10 ? undefined : '1073741824');
    m.pods[1]!.cpuRequest = (t) => (hourOf(t) < 5 ? undefined : '0.5');
    m.pods[1]!.memoryRequest = (t) => (hourOf(t) < 5 ? undefined : '2147483648');
    m.pods[1]!.cpuUsage = (t) => (hourOf(t) < 3 ? undefined : '0.1');
    m.pods[1]!.memoryUsage = (t) => (hourOf(t) < 3 ? undefined : 'NaN');
    m.nodes[0]!.cpu = (t) => (hourOf(t) < 2 ? undefined : '4');
    m.nodes[0]!.memory = (t) => (hourOf(t) < 2 ? undefined : '17179869184');
    m.pods[2]!.cpuRequest = undefined;
    m.pods[2]!.memoryRequest = undefined;
    // Hours 0 and 1: only payments' requests -> snapshots without nodes.
    srv.setHandler(kubeMetricsHandler(m));
    const r = await backfillPrometheus(store, opts());
    expect(r.snapshots).toBe(744);
    expect(r.warnings).toEqual(['741 samples were NaN, infinite or negative and were left out']);
    const hours = await store.all<{ h: number; pods: number; nodes: number; use: number }>(
      `SELECT hour(s.ts)::INTEGER AS h, (SELECT count(*) FROM k8s_pods p WHERE p.import_id = s.import_id AND p.ts = s.ts)::INTEGER AS pods,
              (SELECT count(*) FROM k8s_nodes n WHERE n.import_id = s.import_id AND n.ts = s.ts)::INTEGER AS nodes,
              (SELECT count(cpu_usage_cores) FROM k8s_pods p WHERE p.import_id = s.import_id AND p.ts = s.ts)::INTEGER AS use
       FROM k8s_snapshots s WHERE s.ts < '2026-10-01 12:00:00' ORDER BY s.ts`,
    );
    expect(hours.map((x) => [x.h, x.pods, x.nodes, x.use])).toEqual([
      [0, 1, 0, 0], [1, 1, 0, 0], [2, 1, 1, 0], [3, 2, 1, 1], [4, 2, 1, 1], [5, 2, 1, 1],
      [6, 2, 1, 1], [7, 2, 1, 1], [8, 2, 1, 1], [9, 2, 1, 1], [10, 2, 1, 2], [11, 2, 1, 2],
    ]);
    // indexer-0 before its request series appear: request 0, usage only.
    expect(await store.one(`SELECT cpu_request_cores::VARCHAR AS req, cpu_usage_cores::VARCHAR AS use, memory_usage_bytes AS mem, node FROM k8s_pods WHERE name = 'indexer-0' AND ts = '2026-10-01 03:00:00'`)).toEqual({
      req: '0.000000', use: '0.100000', mem: null, node: null,
    });

    // A month where only some hours have anything.
    const sparse = model();
    const NOV = Date.UTC(2026, 10, 1) / 1000;
    const only = (v: string) => (t: number) => ((t - NOV) / 3600 - 1 >= 700 ? v : undefined);
    sparse.nodes[0] = { name: 'n', cpu: only('2'), memory: only('1073741824') };
    sparse.pods = [{ namespace: 'payments', name: 'x', node: 'n', cpuRequest: only('0.1'), memoryRequest: only('1') }];
    sparse.namespaces = [{ name: 'payments', labels: {} }]; // kube-state-metrics' default: no label_* without an allowlist
    srv.setHandler(kubeMetricsHandler(sparse));
    const s = await backfillPrometheus(store, opts({ period: '2026-11' }));
    expect(s).toMatchObject({ snapshots: 20, windows: 720, from: '2026-11-30T04:00:00Z', to: '2026-11-30T23:00:00Z' });
    expect(s.warnings).toEqual([
      'no usage series (container_cpu_usage_seconds_total, container_memory_working_set_bytes): requests only',
      'kube_namespace_labels carries no label_* labels: kube-state-metrics exports namespace labels only when allowed ' +
        '(--metric-labels-allowlist=namespaces=[team,...]); namespaces are owned by the config only',
      '700 of 720 windows have no data and no snapshot',
    ]);
    expect(s.note).toBe('no usage data: requests only');
  });

  it('an empty period is a clear error and writes nothing', async () => {
    srv.setHandler(() => []);
    expect(await failure(backfillPrometheus(store, opts({ selector: 'cluster="prod"' })))).toBe(
      `Prometheus at ${srv.url} has no data for cluster prod in 2026-10 with --selector cluster="prod": no kube-state-metrics ` +
        '(kube_node_status_capacity, kube_pod_container_resource_requests) or cAdvisor (container_cpu_usage_seconds_total) series in any window; ' +
        'check --url, --selector and that both are scraped (and kept that long); nothing was imported',
    );
    expect(await counts()).toEqual({ snapshots: '0', current: '0', pods: '0', imports: '0' });
    expect(srv.requests[0]?.query).toBe('max by (node) (max_over_time(kube_node_status_capacity{resource="cpu", cluster="prod"}[3600s]))');
  });

  it('a 5xx after some queries fails clearly and writes nothing, also on a re-run', async () => {
    await backfillPrometheus(store, opts());
    const before = await counts();
    srv.fault({ after: 5, reply: promError(503, 'unavailable', 'query queue is full') });
    expect(await failure(backfillPrometheus(store, opts()))).toBe(
      `Prometheus at ${srv.url} failed the query (HTTP 503 Service Unavailable: unavailable: query queue is full) (pod memory requests: ` +
        `${backfillQueries(3600)[5]!.promql}); nothing was imported`,
    );
    expect(await counts()).toEqual(before);
    srv.fault({ reply: { status: 502, raw: '<html><body>502 Bad Gateway</body></html>', contentType: 'text/html' } });
    expect(await failure(backfillPrometheus(store, opts()))).toMatch(
      /^Prometheus at http:\/\/127\.0\.0\.1:\d+ failed the query \(HTTP 502 Bad Gateway: <html><body>502 Bad Gateway<\/body><\/html>\) \(node cpu capacity: .*\); nothing was imported$/,
    );
    expect(await counts()).toEqual(before);
  });

  it('refuses errors, malformed JSON and unexpected shapes with the query they came from', async () => {
    srv.fault({ reply: promError(422, 'execution', 'query processing would load too many samples into memory in query execution') });
    expect(await failure(backfillPrometheus(store, opts()))).toMatch(
      /failed the query \(HTTP 422 Unprocessable Entity: execution: query processing would load too many samples into memory in query execution\) \(node cpu capacity: /,
    );
    srv.fault({ after: 2, reply: { raw: '{"status":"success","data":{"resultType":"matrix","result":[' } });
    expect(await failure(backfillPrometheus(store, opts()))).toMatch(
      new RegExp(`^Prometheus at ${srv.url.replaceAll('.', '\\.')} sent malformed JSON \\(.*JSON.*\\): \\{"status":"success".* \\(node provider ids: .*\\); nothing was imported$`),
    );
    srv.fault({ reply: { body: { status: 'success', data: { resultType: 'vector', result: [] } } } });
    expect(await failure(backfillPrometheus(store, opts()))).toMatch(/sent an unexpected reply: data\.resultType is "vector", expected "matrix" \(node cpu capacity: /);
    srv.fault({ reply: { body: { status: 'success', data: { resultType: 'matrix', result: [{ metric: { node: 'n' }, values: [[OCT + 3600, 4]] }] } } } });
    expect(await failure(backfillPrometheus(store, opts()))).toContain(`data.result[0].values[0] is [${OCT + 3600},4], expected [<unix time>, "<value>"]`);
    srv.fault({ reply: { body: { status: 'success', data: { resultType: 'matrix', result: [{ metric: { node: 'n' }, values: [[OCT + 1800, '4']] }] } } } });
    expect(await failure(backfillPrometheus(store, opts()))).toBe(
      `Prometheus at ${srv.url} sent a sample at ${OCT + 1800}, not one of the asked evaluation times (nodeCpuCapacity); nothing was imported`,
    );
    expect(await counts()).toEqual({ snapshots: '0', current: '0', pods: '0', imports: '0' });
  });

  it('sends credentials (bearer token, or user:password in the URL, never shown) and says when refused', async () => {
    await srv.close();
    srv = await startPrometheusServer(kubeMetricsHandler(model()), { token: 's3cret' });
    expect(await failure(backfillPrometheus(store, opts()))).toBe(
      `Prometheus at ${srv.url} refused access (HTTP 401 Unauthorized: Unauthorized): set ALLOT_PROMETHEUS_TOKEN (bearer token) or put user:password@ in --url; nothing was imported`,
    );
    expect((await backfillPrometheus(store, opts({ bearerToken: 's3cret' }))).snapshots).toBe(744);
    await srv.close();
    srv = await startPrometheusServer(kubeMetricsHandler(model()), { basic: 'allot:p@ss' });
    const url = srv.url.replace('http://', 'http://allot:p%40ss@');
    const r = await backfillPrometheus(store, opts({ url: `${url}/` }));
    expect(r).toMatchObject({ snapshots: 744, url: srv.url, file: `prometheus:${srv.url}:prod:2026-10` });
  });

  it('cannot reach a server; refuses bad options before any request', async () => {
    const url = srv.url;
    await srv.close();
    expect(await failure(backfillPrometheus(store, opts({ url })))).toMatch(new RegExp(`^cannot reach Prometheus at ${url.replaceAll('.', '\\.')}: .*ECONNREFUSED.*; nothing was imported$`));
    srv = await startPrometheusServer(kubeMetricsHandler(model()));
    await expect(backfillPrometheus(store, opts({ period: '2026-13' }))).rejects.toThrow('--period must be YYYY-MM, got "2026-13"');
    await expect(backfillPrometheus(store, opts({ period: '2027-01' }))).rejects.toThrow('period 2027-01 has no complete 3600 s window yet');
    await expect(backfillPrometheus(store, opts({ url: 'prometheus:9090' }))).rejects.toThrow('--url must be an http(s) URL');
    await expect(backfillPrometheus(store, opts({ selector: 'cluster=prod' }))).rejects.toThrow('--selector must be PromQL label matchers');
    expect(() => parseStep('7m')).toThrow('--step must be a duration that divides a day');
    expect([parseStep('1h'), parseStep('30m'), parseStep('900'), parseStep('1d'), parseStep('7200s')]).toEqual([3600, 1800, 900, 86400, 7200]);
    expect(checkSelector('cluster="prod", env=~"eu-.*",x!="a,b"')).toEqual(['cluster="prod"', 'env=~"eu-.*"', 'x!="a,b"']);
    expect(srv.requests).toHaveLength(0);
  });

  it('backfills the current month up to the last complete window', async () => {
    const r = await backfillPrometheus(store, opts({ period: '2026-12', now: () => new Date('2026-12-02T05:30:00Z') }));
    expect(r).toMatchObject({ partial: true, windows: 744, windowsAsked: 29, snapshots: 29, to: '2026-12-02T04:00:00Z' });
    expect(srv.requests[0]).toMatchObject({ end: Date.UTC(2026, 11, 2, 5) / 1000 });
  });
});
