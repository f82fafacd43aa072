import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { Store } from '../../src/store/db.ts';
import { kubeMetricsHandler, promError, startPrometheusServer, type PromServer } from '../servers/prometheus.ts';

describe('allot ingest prometheus (CLI)', () => {
  let srv: PromServer;
  let dir: string;
  let out: string[];
  let err: string[];
  const saved = process.env.ALLOT_PROMETHEUS_TOKEN;

  beforeEach(async () => {
    srv = await startPrometheusServer(
      kubeMetricsHandler({
        nodes: [{ name: 'n1', cpu: '2', memory: '8589934592' }],
        namespaces: [{ name: 'payments', labels: { team: 'payments' } }],
        pods: [{ namespace: 'payments', name: 'api', node: 'n1', cpuRequest: '0.5', memoryRequest: '1073741824' }],
      }),
      { token: 'prom-token' },
    );
    process.env.ALLOT_PROMETHEUS_TOKEN = 'prom-token';
    dir = mkdtempSync(join(tmpdir(), 'allot-prom-cli-'));
    writeFileSync(join(dir, 'allot.yaml'), 'teams:\n  - { id: payments, name: Payments, cost_center: CC-1, gl_account: "1" }\nclusters:\n  - { id: prod }\n');
    out = [];
    err = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true));
    vi.spyOn(process.stderr, 'write').mockImplementation((s) => (err.push(String(s)), true));
  });

  afterEach(async () => {
    vi.restoreAllMocks();
    await srv.close();
    rmSync(dir, { recursive: true, force: true });
    if (saved === undefined) delete process.env.ALLOT_PROMETHEUS_TOKEN;
    else process.env.ALLOT_PROMETHEUS_TOKEN = saved;
  });

  const allot = (...args: string[]) =>
    main(['node', 'allot', '--config', join(dir, 'allot.yaml'), '--db', join(dir, 'allot.duckdb'), 'ingest', 'prometheus', ...args]);

  it('backfills a month, prints the import and warnings, and a re-run replaces it', async () => {
    expect(await allot('--period', '2025-11', '--url', srv.url, '--cluster', 'prod')).toBe(0);
    expect(out.join('')).toBe(
      `prometheus:${srv.url}:prod:2025-11: import #1: 720 snapshots of 3,600 s for cluster prod, 2025-11-01T00:00:00Z .. 2025-11-30T23:00:00Z, ` +
        '720 pod rows, 40 range queries\n  note: no usage data: requests only\n',
    );
    expect(err.join('')).toContain('warning: no usage series (container_cpu_usage_seconds_total, container_memory_working_set_bytes): requests only\n');
    expect(srv.requests.every((q) => q.headers.authorization === 'Bearer prom-token')).toBe(true);
    out = [];
    expect(await allot('--period', '2025-11', '--url', srv.url, '--cluster', 'prod', '--step', '30m')).toBe(0);
    expect(out.join('')).toContain('import #2: 1,440 snapshots of 1,800 s');
    const store = await Store.open(join(dir, 'allot.duckdb'));
    try {
      // Different windows, different ts: the 30-minute snapshots at hh:00 replace the hourly ones, hh:30 are new.
      expect(await store.one(`SELECT count(*) FILTER (WHERE superseded_by IS NULL)::INTEGER AS current, count(*)::INTEGER AS total FROM k8s_snapshots`)).toEqual({
        current: 1440,
        total: 2160,
      });
    } finally {
      store.close();
    }
  });

  it('fails with one line and exit 1 on a Prometheus error; exit 2 for bad flags', async () => {
    srv.fault({ reply: promError(503, 'unavailable', 'Service Unavailable') });
    expect(await allot('--period', '2025-11', '--url', srv.url, '--cluster', 'prod')).toBe(1);
    const lines = err.join('').split('\n').filter((l) => l.startsWith('allot:'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^allot: Prometheus at http:\/\/127\.0\.0\.1:\d+ failed the query \(HTTP 503 Service Unavailable: unavailable: Service Unavailable\) \(node cpu capacity: .*\); nothing was imported$/,
    );
    err = [];
    expect(await allot('--period', '2025-11', '--url', srv.url, '--cluster', 'prod', '--step', '7m')).toBe(2);
    expect(err.join('')).toContain('allot: --step must be a duration that divides a day');
    expect(await allot('--period', '2025-11', '--url', srv.url)).toBe(2);
    expect(await allot('--period', '2025-11', '--url', srv.url, '--cluster', 'staging')).toBe(0);
    expect(err.join('')).toContain('warning: cluster "staging" is not among the clusters of');
  });
});
