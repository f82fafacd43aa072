import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { Store } from '../../src/store/db.ts';
import { kNamespace, kNode, kPod, kPodMetrics, kubeconfigYaml, startKubeApiServer, type KubeApiServer } from '../servers/kube-api.ts';

describe('allot collect k8s (CLI, KUBECONFIG file)', () => {
  let prod: KubeApiServer;
  let staging: KubeApiServer;
  let dir: string;
  let out: string[];
  let err: string[];
  const saved = process.env.KUBECONFIG;

  beforeEach(async () => {
    const data = () => ({
      nodes: [kNode('node-a', { cpu: '4', memory: '16Gi', instanceType: 'm5.xlarge' })],
      namespaces: [kNamespace('payments', { team: 'payments' })],
      pods: [kPod('payments', 'api', { containers: [{ cpu: '500m', memory: '1Gi' }] }), kPod('payments', 'done', { phase: 'Succeeded' }), kPod('payments', 'waiting', { node: null, phase: 'Pending' })],
      podMetrics: [kPodMetrics('payments', 'api', [{ cpu: '250m', memory: '512Mi' }])],
    });
    prod = await startKubeApiServer(data(), { token: 'tok-prod' });
    staging = await startKubeApiServer({ ...data(), podMetrics: 'absent' }, { token: 'tok-staging' });
    dir = mkdtempSync(join(tmpdir(), 'allot-collect-cli-'));
    process.env.KUBECONFIG = join(dir, 'kubeconfig');
    writeFileSync(
      process.env.KUBECONFIG,
      kubeconfigYaml([
        { name: 'prod', server: prod.url, token: 'tok-prod' },
        { name: 'staging', server: staging.url, token: 'tok-staging' },
      ]),
    );
    writeFileSync(
      join(dir, 'allot.yaml'),
      'teams:\n  - { id: payments, name: Payments, cost_center: CC-1, gl_account: "1" }\nclusters:\n  - { id: prod }\n',
    );
    out = [];
    err = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true));
    vi.spyOn(process.stderr, 'write').mockImplementation((s) => (err.push(String(s)), true));
  });

  afterEach(async () => {
    vi.restoreAllMocks();
    await prod.close();
    await staging.close();
    rmSync(dir, { recursive: true, force: true });
    if (saved === undefined) delete process.env.KUBECONFIG;
    else process.env.KUBECONFIG = saved;
  });

  const allot = (...args: string[]) => main(['node', 'allot', '--config', join(dir, 'allot.yaml'), '--db', join(dir, 'allot.duckdb'), 'collect', 'k8s', ...args]);
  const hour = () => `${new Date().toISOString().slice(0, 13)}:00:00Z`;

  it('collects the current context by default, then several contexts, printing one line each and warnings on stderr', async () => {
    expect(await allot()).toBe(0);
    expect(out.join('')).toMatch(
      /^prod: import #1: cluster prod at \d{4}-\d\d-\d\dT\d\d:00:00Z \(window 3,600 s\), 1 node, 1 namespace, 1 pod \(1 with usage\)\n {2}left out: 1 unscheduled pod\n$/,
    );
    out = [];
    expect(await allot('--context', 'prod', '--context', 'staging', '--window', '3600')).toBe(0);
    const text = out.join('');
    expect(text).toContain('prod: import #2: cluster prod at');
    expect(text).toContain(', replaces the earlier snapshot of import #1');
    expect(text).toContain('staging: import #3: cluster staging at');
    expect(text).toContain('1 pod (requests only: no metrics API)');
    expect(err.join('')).toContain('warning: context staging: no metrics API (metrics.k8s.io is not served: is metrics-server installed?): usage is absent, requests only\n');
    expect(err.join('')).toContain(`warning: cluster "staging" is not among the clusters of ${join(dir, 'allot.yaml')} (prod): its snapshots are stored but not attributed`);

    const store = await Store.open(join(dir, 'allot.duckdb'));
    try {
      const snaps = await store.all<{ cluster: string; ts: string; current: boolean }>(
        `SELECT cluster, strftime(ts, '%Y-%m-%dT%H:%M:%SZ') AS ts, superseded_by IS NULL AS current FROM k8s_snapshots ORDER BY import_id`,
      );
      expect(snaps.map((s) => [s.cluster, s.current])).toEqual([['prod', false], ['prod', true], ['staging', true]]);
      expect([hour(), new Date(Date.now() - 3_600_000).toISOString().slice(0, 13) + ':00:00Z']).toContain(snaps[0]!.ts);
    } finally {
      store.close();
    }
  });

  it('--cluster renames one context; --json prints the outcomes', async () => {
    expect(await main(['node', 'allot', '--json', '--config', join(dir, 'allot.yaml'), '--db', join(dir, 'allot.duckdb'), 'collect', 'k8s', '--context', 'staging', '--cluster', 'prod'])).toBe(0);
    const json = JSON.parse(out.join('')) as { status: string; cluster: string; context: string; pods: number; metrics: boolean }[];
    expect(json).toMatchObject([{ status: 'imported', cluster: 'prod', context: 'staging', pods: 1, metrics: false }]);
    expect(await allot('--context', 'prod', '--context', 'staging', '--cluster', 'x')).toBe(2);
    expect(err.join('')).toContain('allot: --cluster names one cluster: with several --context values each snapshot takes its context name');
  });

  it('exits 1 with the permission when a cluster refuses, after importing the others', async () => {
    staging.forbid('metrics');
    expect(await allot('--context', 'prod', '--context', 'staging')).toBe(1);
    expect(out.join('')).toContain('prod: import #1: cluster prod');
    expect(out.join('')).toContain('staging: FAILED: context staging: Kubernetes refused to list pods.metrics.k8s.io at cluster scope (403 Forbidden)');
    const lines = err.join('').split('\n').filter((l) => l.startsWith('allot:'));
    expect(lines).toEqual([
      'allot: 1 of 2 contexts failed (the others were imported): context staging: Kubernetes refused to list pods.metrics.k8s.io at cluster scope (403 Forbidden): ' +
        'the collector needs permission to list pods.metrics.k8s.io at cluster scope; grant the read-only ClusterRole in deploy/rbac/allot-collector-clusterrole.yaml ' +
        '(README, "Collecting from Kubernetes")',
    ]);
    out = [];
    err = [];
    expect(await allot('--context', 'staging')).toBe(1);
    expect(err.join('')).toContain('allot: context staging: Kubernetes refused to list pods.metrics.k8s.io at cluster scope (403 Forbidden)');
    expect(await allot('--context', 'nope')).toBe(2);
    expect(err.join('')).toContain('allot: no context "nope" in the kubeconfig (contexts: prod, staging)');
    expect(await allot('--window', '7000')).toBe(2);
    expect(err.join('')).toContain('allot: --window must be a number of seconds that divides a day');
  });
});
