import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import {
  collectClusterSnapshot, collectK8s, collectSnapshot, KubernetesError, kubeTargets, loadKubeConfig, OPERATIONS,
} from '../../src/ingest/k8s-collect/index.ts';
import { Store } from '../../src/store/db.ts';
import {
  kNamespace, kNode, kPod, kPodMetrics, kubeconfigYaml, startKubeApiServer, status, USER, type KubeApiData, type KubeApiServer,
} from '../servers/kube-api.ts';

const NOW = new Date('2026-10-14T10:37:12.345Z');

/** 3 nodes, 3 namespaces, 11 pods of which 2 finished and 1 unscheduled, usage for most. */
function cluster(): KubeApiData {
  const pods = [
    kPod('payments', 'api-0', { node: 'node-a', containers: [{ cpu: '500m', memory: '512Mi' }, { name: 'envoy', cpu: '100m', memory: '64Mi' }] }),
    kPod('payments', 'api-1', { node: 'node-b', containers: [{ cpu: '500m', memory: '512Mi' }, { name: 'envoy', cpu: '100m', memory: '64Mi' }] }),
    kPod('payments', 'migrate', { node: 'node-a', init: [{ cpu: '2', memory: '1Gi' }], containers: [{ cpu: '250m', memory: '256Mi' }] }),
    kPod('payments', 'job-done', { node: 'node-a', phase: 'Succeeded', containers: [{ cpu: '4', memory: '8Gi' }] }),
    kPod('search', 'indexer-0', { node: 'node-b', containers: [{ cpu: '1.5', memory: '2Gi' }] }),
    kPod('search', 'indexer-1', { node: 'node-c', containers: [{ cpu: '1500m', memory: '2048Mi' }] }),
    kPod('search', 'crashed', { node: 'node-c', phase: 'Failed', containers: [{ cpu: '1', memory: '1Gi' }] }),
    kPod('search', 'pending', { node: null, phase: 'Pending', containers: [{ cpu: '8', memory: '32Gi' }] }),
    kPod('search', 'starting', { node: 'node-c', phase: 'Pending', containers: [{ cpu: '250m', memory: '1e9' }] }),
    kPod('kube-system', 'coredns-1', { node: 'node-a', containers: [{ cpu: '100m', memory: '70Mi' }] }),
    kPod('kube-system', 'kube-proxy-a', { node: 'node-a', containers: [{ memory: '50M' }] }),
  ];
  return {
    nodes: [
      kNode('node-a', { cpu: '4', memory: '16318376Ki', instanceType: 'm5.xlarge', region: 'eu-west-1', providerID: 'aws:///eu-west-1a/i-0aaa' }),
      kNode('node-b', { cpu: '4', memory: '16Gi', instanceType: 'm5.xlarge', region: 'eu-west-1', providerID: 'aws:///eu-west-1b/i-0bbb' }),
      kNode('node-c', { cpu: '8000m', memory: '32Gi', labels: { 'beta.kubernetes.io/instance-type': 'm5.2xlarge' } }),
    ],
    namespaces: [kNamespace('payments', { team: 'payments' }), kNamespace('search', { owner: 'search' }), kNamespace('kube-system')],
    pods,
    podMetrics: [
      kPodMetrics('payments', 'api-0', [{ cpu: '123456789n', memory: '300Mi' }, { name: 'envoy', cpu: '5m', memory: '20Mi' }]),
      kPodMetrics('payments', 'api-1', [{ cpu: '0', memory: '0' }]),
      kPodMetrics('search', 'indexer-0', [{ cpu: '1800m', memory: '1500Mi' }]),
      kPodMetrics('search', 'indexer-1', [{ cpu: '1', memory: '1Gi' }]),
      kPodMetrics('kube-system', 'coredns-1', [{ cpu: '2500000n', memory: '20000Ki' }]),
      kPodMetrics('kube-system', 'kube-proxy-a', [{ cpu: '1m', memory: '30Mi' }]),
      // A pod that has finished since: ignored.
      kPodMetrics('payments', 'gone', [{ cpu: '1', memory: '1Gi' }]),
    ],
  };
}

function kcFor(srv: KubeApiServer, o: { token?: string; context?: string } = {}): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: srv.url, skipTLSVerify: true }],
    users: [{ name: 'u', token: o.token ?? srv.token }],
    contexts: [{ name: o.context ?? 'prod', cluster: 'c', user: 'u' }],
    currentContext: o.context ?? 'prod',
  });
  return kc;
}

async function failure(p: Promise<unknown>): Promise<KubernetesError> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(KubernetesError);
  return e as KubernetesError;
}

describe('collect k8s: one snapshot from the Kubernetes API (real client-node, local server)', () => {
  let srv: KubeApiServer;

  beforeEach(async () => {
    srv = await startKubeApiServer(cluster());
  });
  afterEach(async () => {
    await srv.close();
  });

  it('builds the snapshot: capacity, labels, summed requests, usage per pod, over several pages', async () => {
    const c = await collectClusterSnapshot(kcFor(srv), { cluster: 'prod', window: 3600, now: NOW, pageSize: 3 });
    expect(c.snapshot).toEqual({
      cluster: 'prod',
      ts: '2026-10-14T10:00:00Z',
      window_seconds: 3600,
      nodes: [
        {
          name: 'node-a', provider_id: 'aws:///eu-west-1a/i-0aaa', instance_type: 'm5.xlarge', cpu_capacity_cores: 4, memory_capacity_bytes: 16710017024,
          labels: { 'kubernetes.io/hostname': 'node-a', 'node.kubernetes.io/instance-type': 'm5.xlarge', 'topology.kubernetes.io/region': 'eu-west-1' },
        },
        {
          name: 'node-b', provider_id: 'aws:///eu-west-1b/i-0bbb', instance_type: 'm5.xlarge', cpu_capacity_cores: 4, memory_capacity_bytes: 17179869184,
          labels: { 'kubernetes.io/hostname': 'node-b', 'node.kubernetes.io/instance-type': 'm5.xlarge', 'topology.kubernetes.io/region': 'eu-west-1' },
        },
        {
          name: 'node-c', provider_id: null, instance_type: 'm5.2xlarge', cpu_capacity_cores: 8, memory_capacity_bytes: 34359738368,
          labels: { 'kubernetes.io/hostname': 'node-c', 'beta.kubernetes.io/instance-type': 'm5.2xlarge' },
        },
      ],
      namespaces: [
        { name: 'payments', labels: { 'kubernetes.io/metadata.name': 'payments', team: 'payments' } },
        { name: 'search', labels: { 'kubernetes.io/metadata.name': 'search', owner: 'search' } },
        { name: 'kube-system', labels: { 'kubernetes.io/metadata.name': 'kube-system' } },
      ],
      pods: [
        { namespace: 'payments', name: 'api-0', node: 'node-a', cpu_request_cores: 0.6, memory_request_bytes: 603979776, cpu_usage_cores: 0.128457, memory_usage_bytes: 335544320 },
        { namespace: 'payments', name: 'api-1', node: 'node-b', cpu_request_cores: 0.6, memory_request_bytes: 603979776, cpu_usage_cores: 0, memory_usage_bytes: 0 },
        // init container 2 cores / 1Gi beats the app container: no metrics for it yet (usage omitted).
        { namespace: 'payments', name: 'migrate', node: 'node-a', cpu_request_cores: 2, memory_request_bytes: 1073741824 },
        { namespace: 'search', name: 'indexer-0', node: 'node-b', cpu_request_cores: 1.5, memory_request_bytes: 2147483648, cpu_usage_cores: 1.8, memory_usage_bytes: 1572864000 },
        { namespace: 'search', name: 'indexer-1', node: 'node-c', cpu_request_cores: 1.5, memory_request_bytes: 2147483648, cpu_usage_cores: 1, memory_usage_bytes: 1073741824 },
        { namespace: 'search', name: 'starting', node: 'node-c', cpu_request_cores: 0.25, memory_request_bytes: 1000000000 },
        { namespace: 'kube-system', name: 'coredns-1', node: 'node-a', cpu_request_cores: 0.1, memory_request_bytes: 73400320, cpu_usage_cores: 0.0025, memory_usage_bytes: 20480000 },
        { namespace: 'kube-system', name: 'kube-proxy-a', node: 'node-a', cpu_request_cores: 0, memory_request_bytes: 50000000, cpu_usage_cores: 0.001, memory_usage_bytes: 31457280 },
      ],
    });
    expect(c).toMatchObject({ context: 'prod', metrics: true, podsWithUsage: 6, skipped: { finished: 0, unscheduled: 1 }, warnings: [] });

    // Paging: 9 pods not finished (server-side field selector), 3 per page.
    const pages = srv.requests.filter((r) => r.path === '/api/v1/pods');
    expect(pages.map((r) => r.query)).toEqual([
      { limit: '3', fieldSelector: 'status.phase!=Succeeded,status.phase!=Failed' },
      { limit: '3', fieldSelector: 'status.phase!=Succeeded,status.phase!=Failed', continue: expect.any(String) },
      { limit: '3', fieldSelector: 'status.phase!=Succeeded,status.phase!=Failed', continue: expect.any(String) },
    ]);
    expect(srv.count('/api/v1/nodes')).toBe(1);
    expect(srv.count('/api/v1/namespaces')).toBe(1);
    expect(srv.count('/apis/metrics.k8s.io/v1beta1/pods')).toBe(1);
    expect(new Set(srv.requests.map((r) => r.headers.authorization))).toEqual(new Set(['Bearer t0k']));
    expect(c.requests).toBe(6);
  });

  it('follows continue tokens with remainingItemCount on every list, and leaves finished pods out itself too', async () => {
    // A first page that ignores the field selector: the collector still skips finished pods.
    const plain = await startKubeApiServer({ ...cluster(), pods: cluster().pods });
    try {
      const kc = kcFor(plain);
      plain.fault({
        path: '/api/v1/pods',
        times: 1,
        reply: {
          body: {
            kind: 'PodList', apiVersion: 'v1', metadata: { resourceVersion: '7', continue: Buffer.from(JSON.stringify({ rv: '7', start: 3, path: '/api/v1/pods' })).toString('base64'), remainingItemCount: 7 },
            items: cluster().pods.slice(0, 4),
          },
        },
      });
      const c = await collectClusterSnapshot(kc, { cluster: 'prod', now: NOW, pageSize: 4 });
      // First page from the fault (incl. the Succeeded job), the rest filtered by the server.
      expect(c.skipped).toEqual({ finished: 1, unscheduled: 1 });
      expect(c.snapshot.pods.map((p) => p.name)).toEqual(['api-0', 'api-1', 'migrate', 'indexer-0', 'indexer-1', 'starting', 'coredns-1', 'kube-proxy-a']);
      const nodes = await collectClusterSnapshot(kc, { cluster: 'prod', now: NOW, pageSize: 1 });
      expect(nodes.snapshot.nodes.map((n) => n.name)).toEqual(['node-a', 'node-b', 'node-c']);
      expect(plain.requests.filter((r) => r.path === '/api/v1/nodes').length).toBe(1 + 3);
    } finally {
      await plain.close();
    }
  });

  it('starts a list again when its continue token has expired (410)', async () => {
    srv.expireContinue(1);
    const s = await collectSnapshot(kcFor(srv), { cluster: 'prod', now: NOW, pageSize: 4 });
    expect(s.pods).toHaveLength(8);
    // Nodes and namespaces fit one page; pods: page 1, page 2 expired, then pages 1, 2, 3 again.
    const podCalls = srv.requests.filter((r) => r.path === '/api/v1/pods').map((r) => r.query.continue !== undefined);
    expect(podCalls).toEqual([false, true, false, true, true]);
  });

  it('gives up on a list that keeps expiring', async () => {
    srv.expireContinue(10);
    const e = await failure(collectSnapshot(kcFor(srv), { cluster: 'prod', now: NOW, pageSize: 2 }));
    expect(e.message).toBe(`context prod: list nodes at cluster scope at ${srv.url} failed: HTTP 410: ` +
      'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, ' +
      'or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an ' +
      'inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.');
  });

  it('without metrics-server (404) keeps requests, omits usage and warns', async () => {
    srv.data.podMetrics = 'absent';
    const warned: string[] = [];
    const c = await collectClusterSnapshot(kcFor(srv), { cluster: 'prod', now: NOW, warn: (m) => warned.push(m) });
    expect(warned).toEqual(['context prod: no metrics API (metrics.k8s.io is not served: is metrics-server installed?): usage is absent, requests only']);
    expect(c.warnings).toEqual(warned);
    expect(c.metrics).toBe(false);
    expect(c.snapshot.pods).toHaveLength(8);
    for (const p of c.snapshot.pods) {
      expect('cpu_usage_cores' in p).toBe(false);
      expect('memory_usage_bytes' in p).toBe(false);
    }
    expect(c.snapshot.pods[0]).toEqual({ namespace: 'payments', name: 'api-0', node: 'node-a', cpu_request_cores: 0.6, memory_request_bytes: 603979776 });
  });

  it('with the metrics API registered but down (503) warns too', async () => {
    srv.data.podMetrics = 'unavailable';
    const c = await collectClusterSnapshot(kcFor(srv), { cluster: 'prod', now: NOW });
    expect(c.warnings).toEqual([
      'context prod: the metrics API is unavailable (HTTP 503: metrics-server registered but not answering): usage is absent, requests only',
    ]);
    expect(c.podsWithUsage).toBe(0);
  });

  it('403 names the missing permission and the ClusterRole', async () => {
    srv.forbid('pods');
    const e = await failure(collectSnapshot(kcFor(srv), { cluster: 'prod', now: NOW }));
    expect(e.status).toBe(403);
    expect(e.message).toBe(
      'context prod: Kubernetes refused to list pods at cluster scope (403 Forbidden: pods is forbidden: User "system:serviceaccount:allot:collector" ' +
        'cannot list resource "pods" in API group "" at the cluster scope): the collector needs permission to list pods at cluster scope; ' +
        'grant the read-only ClusterRole in deploy/rbac/allot-collector-clusterrole.yaml (README, "Collecting from Kubernetes")',
    );
  });

  it.each([
    ['nodes', 'list nodes at cluster scope', `nodes is forbidden: User "${USER}" cannot list resource "nodes" in API group "" at the cluster scope`],
    ['namespaces', 'list namespaces at cluster scope', `namespaces is forbidden: User "${USER}" cannot list resource "namespaces" in API group "" at the cluster scope`],
    // client-node's Metrics drops the Status body of a 403; the permission is still named.
    ['metrics', 'list pods.metrics.k8s.io at cluster scope', undefined],
  ] as const)('403 on %s', async (resource, permission, message) => {
    srv.forbid(resource);
    const e = await failure(collectSnapshot(kcFor(srv), { cluster: 'prod', now: NOW }));
    expect(e.message).toBe(
      `context prod: Kubernetes refused to ${permission} (403 Forbidden${message ? `: ${message}` : ''}): the collector needs permission to ${permission}; ` +
        'grant the read-only ClusterRole in deploy/rbac/allot-collector-clusterrole.yaml (README, "Collecting from Kubernetes")',
    );
  });

  it('401 says the credentials were refused', async () => {
    const e = await failure(collectSnapshot(kcFor(srv, { token: 'expired' }), { cluster: 'prod', now: NOW }));
    expect(e.status).toBe(401);
    expect(e.message).toBe(
      `context prod: the Kubernetes API at ${srv.url} did not accept the credentials (401 Unauthorized) to list nodes at cluster scope: ` +
        "the kubeconfig user's token or client certificate is missing, wrong or expired; Allot needs a user allowed to list nodes, namespaces, pods " +
        'and pods.metrics.k8s.io: grant the read-only ClusterRole in deploy/rbac/allot-collector-clusterrole.yaml (README, "Collecting from Kubernetes")',
    );
  });

  it('refuses malformed replies with the list they came from', async () => {
    srv.fault({ path: '/api/v1/pods', reply: { raw: '{"kind":"PodList","items":[' } });
    expect((await failure(collectSnapshot(kcFor(srv), { cluster: 'prod', now: NOW }))).message).toMatch(
      new RegExp(`^context prod: list pods at cluster scope: the Kubernetes API at ${srv.url} sent a malformed reply: .*JSON`),
    );
    srv.fault({ path: '/api/v1/namespaces', reply: { body: { kind: 'NamespaceList', apiVersion: 'v1', metadata: {} } } });
    expect((await failure(collectSnapshot(kcFor(srv), { cluster: 'prod', now: NOW }))).message).toBe(
      `context prod: list namespaces at cluster scope: the Kubernetes API at ${srv.url} sent a malformed reply: the list has no items array`,
    );
    srv.fault({ path: '/api/v1/nodes', reply: { body: { kind: 'NodeList', apiVersion: 'v1', metadata: {}, items: [kNode('node-x', { cpu: 'four', memory: '1Gi' })] } } });
    expect((await failure(collectSnapshot(kcFor(srv), { cluster: 'prod', now: NOW }))).message).toBe(
      `context prod: list nodes at cluster scope: the Kubernetes API at ${srv.url} sent a malformed reply: node node-x: capacity cpu "four" is not a Kubernetes quantity`,
    );
    srv.fault({ path: '/apis/metrics.k8s.io/v1beta1/pods', reply: { raw: '<html>oops</html>', contentType: 'text/html' } });
    expect((await failure(collectSnapshot(kcFor(srv), { cluster: 'prod', now: NOW }))).message).toMatch(
      /^context prod: cannot list pods\.metrics\.k8s\.io at cluster scope at http:\/\/127\.0\.0\.1:\d+: invalid json response body/,
    );
    srv.fault({
      path: '/apis/metrics.k8s.io/v1beta1/pods',
      reply: { body: { kind: 'PodMetricsList', items: [kPodMetrics('payments', 'api-0', [{ cpu: '-5m', memory: '1Mi' }])] } },
    });
    expect((await failure(collectSnapshot(kcFor(srv), { cluster: 'prod', now: NOW }))).message).toBe(
      `context prod: list pods.metrics.k8s.io at cluster scope: the Kubernetes API at ${srv.url} sent a malformed reply: ` +
        'pod payments/api-0 container app0: cpu usage "-5m" is not a Kubernetes quantity',
    );
  });

  it('reports other HTTP errors with the Status message, and an unreachable server', async () => {
    srv.fault({ path: '/api/v1/nodes', reply: status(500, 'InternalError', 'etcdserver: request timed out') });
    expect((await failure(collectSnapshot(kcFor(srv), { cluster: 'prod', now: NOW }))).message).toBe(
      `context prod: list nodes at cluster scope at ${srv.url} failed: HTTP 500: etcdserver: request timed out`,
    );
    const url = srv.url;
    await srv.close();
    const kc = kcFor(srv);
    const e = await failure(collectSnapshot(kc, { cluster: 'prod', now: NOW }));
    expect(e.message).toMatch(new RegExp(`^context prod: cannot reach the Kubernetes API at ${url} to list nodes at cluster scope: .*ECONNREFUSED`));
    srv = await startKubeApiServer(cluster()); // for afterEach
  });

  it('refuses a window that does not divide a day', async () => {
    await expect(collectSnapshot(kcFor(srv), { cluster: 'prod', window: 7000 })).rejects.toThrow(
      '--window must be a number of seconds that divides a day (60, 300, 900, 1800, 3600, 7200, 86400…), got 7000',
    );
    const s = await collectSnapshot(kcFor(srv), { cluster: 'prod', window: 86400, now: NOW });
    expect(s).toMatchObject({ ts: '2026-10-14T00:00:00Z', window_seconds: 86400 });
    const five = await collectSnapshot(kcFor(srv), { cluster: 'prod', window: 300, now: NOW });
    expect(five.ts).toBe('2026-10-14T10:35:00Z');
  });
});

describe('collect k8s into the store', () => {
  let a: KubeApiServer;
  let b: KubeApiServer;
  let dir: string;
  let store: Store;
  const saved = process.env.KUBECONFIG;

  beforeEach(async () => {
    a = await startKubeApiServer(cluster(), { token: 'tok-prod' });
    b = await startKubeApiServer({ ...cluster(), podMetrics: 'absent' }, { token: 'tok-staging' });
    dir = mkdtempSync(join(tmpdir(), 'allot-collect-'));
    store = await Store.open(join(dir, 'allot.duckdb'));
  });
  afterEach(async () => {
    store.close();
    await a.close();
    await b.close();
    rmSync(dir, { recursive: true, force: true });
    if (saved === undefined) delete process.env.KUBECONFIG;
    else process.env.KUBECONFIG = saved;
  });

  function writeKubeconfig(): string {
    const file = join(dir, 'kubeconfig');
    writeFileSync(
      file,
      kubeconfigYaml([
        { name: 'prod', server: a.url, token: 'tok-prod' },
        { name: 'staging', server: b.url, token: 'tok-staging' },
      ]),
    );
    return file;
  }

  it('reads KUBECONFIG and its contexts (the standard configuration) and imports one snapshot per cluster', async () => {
    process.env.KUBECONFIG = writeKubeconfig();
    const kc = loadKubeConfig();
    expect(kc.getCurrentContext()).toBe('prod');
    const targets = kubeTargets(kc, ['prod', 'staging']);
    expect(targets.map((t) => [t.context, t.kc.getCurrentCluster()?.server])).toEqual([['prod', a.url], ['staging', b.url]]);
    expect(kubeTargets(kc).map((t) => t.context)).toEqual(['prod']);
    expect(() => kubeTargets(kc, ['dev'])).toThrow('no context "dev" in the kubeconfig (contexts: prod, staging)');

    const warned: string[] = [];
    const out = await collectK8s(store, targets.map((t) => ({ kc: t.kc })), { now: NOW, warn: (m) => warned.push(m) });
    expect(out.map((o) => [o.status, o.cluster])).toEqual([['imported', 'prod'], ['imported', 'staging']]);
    expect(warned).toEqual(['context staging: no metrics API (metrics.k8s.io is not served: is metrics-server installed?): usage is absent, requests only']);
    const [prod, staging] = out;
    if (prod?.status !== 'imported' || staging?.status !== 'imported') throw new Error('not imported');
    expect(prod.import).toMatchObject({ status: 'active', snapshots: 1, pods: 8, nodes: 3, namespaces: 3, clusters: ['prod'], from: '2026-10-14T10:00:00Z' });
    expect(staging.import.note).toBe('no usage data: requests only');
    expect(a.requests.every((r) => r.headers.authorization === 'Bearer tok-prod')).toBe(true);
    expect(b.requests.every((r) => r.headers.authorization === 'Bearer tok-staging')).toBe(true);

    expect(await store.all(`SELECT source, file, format, rows_loaded::INTEGER AS n, status FROM imports ORDER BY import_id`)).toEqual([
      { source: 'k8s-collect', file: 'k8s-collect:prod:2026-10-14T10:00:00Z', format: 'api', n: 1, status: 'active' },
      { source: 'k8s-collect', file: 'k8s-collect:staging:2026-10-14T10:00:00Z', format: 'api', n: 1, status: 'active' },
    ]);
    expect(
      await store.all(`SELECT cluster, namespace, name, cpu_request_cores::VARCHAR AS req, cpu_usage_cores::VARCHAR AS use, memory_usage_bytes AS mem
                       FROM k8s_pods WHERE name = 'api-0' ORDER BY cluster`),
    ).toEqual([
      { cluster: 'prod', namespace: 'payments', name: 'api-0', req: '0.600000', use: '0.128457', mem: '335544320' },
      { cluster: 'staging', namespace: 'payments', name: 'api-0', req: '0.600000', use: null, mem: null },
    ]);
  });

  it('a second collection in the same window replaces the first; a failing cluster holds back nobody', async () => {
    process.env.KUBECONFIG = writeKubeconfig();
    const targets = kubeTargets(loadKubeConfig(), ['prod', 'staging']).map((t) => ({ kc: t.kc, cluster: t.context === 'prod' ? 'eks-prod' : 'eks-staging' }));
    await collectK8s(store, targets, { now: NOW });
    b.forbid('pods');
    const later = new Date(NOW.getTime() + 15 * 60_000);
    const out = await collectK8s(store, targets, { now: later });
    expect(out[0]).toMatchObject({ status: 'imported', cluster: 'eks-prod', import: { replaced: [1], replacedSnapshots: 1 } });
    expect(out[1]).toMatchObject({ status: 'failed', context: 'staging', cluster: 'eks-staging' });
    expect(out[1]?.status === 'failed' && out[1].error.message).toContain('context staging: Kubernetes refused to list pods at cluster scope (403 Forbidden');
    expect(
      await store.all(`SELECT cluster, count(*)::INTEGER AS n, count(*) FILTER (WHERE superseded_by IS NULL)::INTEGER AS current FROM k8s_snapshots GROUP BY ALL ORDER BY ALL`),
    ).toEqual([
      { cluster: 'eks-prod', n: 2, current: 1 },
      { cluster: 'eks-staging', n: 1, current: 1 },
    ]);
    await expect(collectK8s(store, [{ kc: targets[0]!.kc, cluster: 'x' }, { kc: targets[1]!.kc, cluster: 'x' }])).rejects.toThrow(
      'two contexts would write cluster "x": give each context its own cluster id',
    );
  });

  it('says so when there is no Kubernetes configuration at all', () => {
    const home = process.env.HOME;
    delete process.env.KUBECONFIG;
    process.env.HOME = dir; // no ~/.kube/config, and no service account here
    try {
      expect(() => loadKubeConfig()).toThrow(
        'no Kubernetes configuration found: set KUBECONFIG (or write ~/.kube/config), or run Allot in a pod with a service account',
      );
    } finally {
      process.env.HOME = home;
    }
    process.env.KUBECONFIG = join(dir, 'missing');
    expect(() => loadKubeConfig()).toThrow(`cannot load the Kubernetes configuration (KUBECONFIG=${join(dir, 'missing')}): ENOENT`);
  });
});

describe('deploy/rbac/allot-collector-clusterrole.yaml', () => {
  it('grants exactly the read-only calls the collector makes, to the collector service account', () => {
    const file = new URL('../../deploy/rbac/allot-collector-clusterrole.yaml', import.meta.url);
    const docs = parseAllDocuments(readFileSync(file, 'utf8')).map((d) => d.toJS() as Record<string, any>); // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(docs.map((d) => `${d.apiVersion} ${d.kind} ${d.metadata.namespace ?? ''}/${d.metadata.name}`)).toEqual([
      'v1 ServiceAccount allot/collector',
      'rbac.authorization.k8s.io/v1 ClusterRole /allot-collector',
      'rbac.authorization.k8s.io/v1 ClusterRoleBinding /allot-collector',
    ]);
    const [, role, binding] = docs;
    expect(role!.rules).toEqual([
      { apiGroups: [''], resources: ['nodes', 'namespaces', 'pods'], verbs: ['get', 'list'] },
      { apiGroups: ['metrics.k8s.io'], resources: ['pods'], verbs: ['get', 'list'] },
    ]);
    // Every permission an error message can name is granted.
    const granted = role!.rules.flatMap((r: { apiGroups: string[]; resources: string[]; verbs: string[] }) =>
      r.resources.flatMap((res) => r.verbs.map((v) => `${v} ${r.apiGroups[0] ? `${res}.${r.apiGroups[0]}` : res} at cluster scope`)),
    );
    for (const op of Object.values(OPERATIONS)) expect(granted).toContain(op);
    expect(binding).toMatchObject({
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'allot-collector' },
      subjects: [{ kind: 'ServiceAccount', name: 'collector', namespace: 'allot' }],
    });
  });
});
