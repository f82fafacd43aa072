// The recurring jobs, each run by a worker from a real scheduler or job:
// Kubernetes collection, the daily billing pull, the freshness check and the
// monthly trigger. Local Kubernetes API and Cost Explorer servers.
import { Writable } from 'node:stream';
import { KubeConfig } from '@kubernetes/client-node';
import { QueueEvents } from 'bullmq';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { jobOptions } from '../../jobs/queues.ts';
import type { JobsRuntime } from '../../jobs/runtime.ts';
import { desiredSchedulers, syncSchedulers } from '../../jobs/schedule.ts';
import { startWorker, type RunningWorker, type WorkerHooks } from '../../jobs/worker.ts';
import { Store } from '../../src/store/db.ts';
import { startCostExplorerServer, type CeServer } from '../servers/aws-ce.ts';
import { kNamespace, kNode, kPod, kPodMetrics, startKubeApiServer, type KubeApiServer } from '../servers/kube-api.ts';
import { orgFiles, PERIOD, runtimeOn, SHARED_REDIS, uniquePrefix, type OrgFiles } from './helpers.ts';

let kube: KubeApiServer;
let ce: CeServer;
beforeAll(async () => {
  process.env.AWS_EC2_METADATA_DISABLED = 'true';
  process.env.AWS_ACCESS_KEY_ID = 'AKIDTEST';
  process.env.AWS_SECRET_ACCESS_KEY = 'test-secret';
  kube = await startKubeApiServer({
    nodes: [kNode('node-a', { cpu: '4', memory: '16Gi', instanceType: 'm5.xlarge' })],
    namespaces: [kNamespace('payments-api', { team: 'payments' })],
    pods: [kPod('payments-api', 'api-0', { node: 'node-a', containers: [{ cpu: '500m', memory: '512Mi' }] })],
    podMetrics: [kPodMetrics('payments-api', 'api-0', [{ cpu: '250m', memory: '300Mi' }])],
  });
  ce = await startCostExplorerServer({
    accounts: [{ id: '111111111111' }],
    costs: [{ account: '111111111111', day: `${PERIOD}-20`, service: 'Amazon EKS', tags: { team: 'payments' }, unblended: '73.00' }],
  });
});
afterAll(async () => {
  await kube.close();
  await ce.close();
});

const SCHEDULE = (ceUrl: string) => `schedule:
  timezone: Europe/Paris
  collect_k8s: { every_minutes: 15, contexts: [{ context: prod, cluster: prod-eu }] }
  billing_pulls: { cron: "0 5 * * *", sources: [{ type: aws-ce, endpoint: "${ceUrl}" }] }
  monthly: { day: 3, time: "06:00", close: true }
  freshness: { max_age_hours: 48 }
`;

function kubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: kube.url, skipTLSVerify: true }],
    users: [{ name: 'u', token: kube.token }],
    contexts: [{ name: 'prod', cluster: 'c', user: 'u' }],
    currentContext: 'prod',
  });
  return kc;
}

/** Log lines of a worker, as parsed JSON. */
function logSink() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  return { lines, log: pino({ level: 'info' }, stream) };
}

let rt: JobsRuntime;
let org: OrgFiles;
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
  await rt.close();
});

async function setUp(name: string, o: { queues?: ('store' | 'control')[]; now?: Date; hooks?: WorkerHooks } = {}) {
  org = await orgFiles(1, SCHEDULE(ce.url));
  rt = runtimeOn(SHARED_REDIS, uniquePrefix(name));
  const sink = logSink();
  const worker: RunningWorker = await startWorker({
    redis: rt.redis, prefix: rt.prefix, log: sink.log, loaded: org.loaded, dbPath: org.dbPath, artefactsDir: org.artefactsDir,
    queues: o.queues ?? ['store'], kubeConfig, hooks: o.hooks, ...(o.now ? { now: () => o.now! } : {}),
  });
  closers.push(() => worker.close());
  const conn = rt.redis.duplicate();
  const events = new QueueEvents(o.queues?.[0] ?? 'store', { connection: conn, prefix: rt.prefix });
  await events.waitUntilReady();
  closers.push(async () => {
    await events.close();
    conn.disconnect();
  });
  return { worker, events, lines: sink.lines };
}

const completion = (events: QueueEvents, match: (id: string) => boolean) =>
  new Promise<unknown>((resolve, reject) => {
    events.on('completed', ({ jobId, returnvalue }) => match(jobId) && resolve(returnvalue));
    events.on('failed', ({ jobId, failedReason }) => match(jobId) && reject(new Error(failedReason)));
  });

describe('recurring jobs', () => {
  it('the Kubernetes collection scheduler collects the cluster; the freshness check then warns only about configured sources that stopped', async () => {
    const { worker, events, lines } = await setUp('collect');
    // A one-off import of a source the schedule does not pull, four days old: never "stale".
    // (No job is queued yet: the worker has not opened the store.)
    const old = await Store.open(org.dbPath);
    await old.run(
      `INSERT INTO imports (import_id, source, file, format, status, started_at, finished_at)
       VALUES (nextval('import_id_seq'), 'focus', 'old.csv', 'csv', 'active', now()::TIMESTAMP - INTERVAL 96 HOUR, now()::TIMESTAMP - INTERVAL 96 HOUR)`,
    );
    old.close();

    const collected = completion(events, (id) => id.startsWith('repeat:collect-k8s-prod-eu:'));
    await syncSchedulers(rt.queues, org.loaded.config); // an `every` scheduler runs its first job at once
    expect(await collected).toMatchObject({ cluster: 'prod-eu', context: 'prod', nodes: 1, pods: 1, metrics: true });
    await worker.collect();
    expect(worker.metrics.sourceLastSuccess.get({ source: 'k8s-collect/prod-eu' })).toBeGreaterThan(0);

    const fresh = desiredSchedulers(org.loaded.config).find((d) => d.id === 'freshness')!;
    const checked = completion(events, (id) => id === 'freshness-now');
    await rt.queues.get('store').add('freshness', fresh.data, { ...jobOptions('freshness'), jobId: 'freshness-now' });
    const report = (await checked) as { stale: string[]; sources: { source: string; stale: boolean }[] };
    expect(report.stale).toEqual(['aws-ce']);
    expect(report.sources.map((s) => `${s.source}:${s.stale}`)).toEqual(['aws-ce:true', 'k8s-collect/prod-eu:false']);
    const warnings = lines.filter((l) => l.level === 40 && String(l.msg).startsWith('source '));
    expect(warnings.map((w) => w.msg)).toEqual(['source aws-ce has never delivered']);
    await worker.collect();
    const text = worker.metrics.render();
    expect(text).toMatch(/^allot_source_stale\{source="aws-ce"\} 1\nallot_source_stale\{source="k8s-collect\/prod-eu"\} 0$/m);
    expect(text).not.toContain('focus');
  });

  it('the daily billing pull imports month to date and, early in a month, the month before', async () => {
    const { events } = await setUp('pull', { now: new Date('2026-11-03T04:00:00Z') });
    const pulls = desiredSchedulers(org.loaded.config).find((d) => d.id === 'billing-pulls')!;
    const done = completion(events, (id) => id === 'pull-now');
    await rt.queues.get('store').add('billing-pull', pulls.data, { ...jobOptions('billing-pull'), jobId: 'pull-now' });
    const r = (await done) as { periods: string[]; pulls: { period: string; rows: number; file: string }[] };
    expect(r.periods).toEqual(['2026-10', '2026-11']);
    expect(r.pulls.map((p) => [p.file, p.rows])).toEqual([['aws-ce:aws-ce:2026-10', 1], ['aws-ce:aws-ce:2026-11', 0]]);
  });

  it('the monthly trigger enqueues the run of the month before its local month, once', async () => {
    const { events } = await setUp('trigger', { queues: ['control'], now: new Date('2026-11-03T05:00:00Z') });
    const trigger = desiredSchedulers(org.loaded.config).find((d) => d.id === 'monthly')!;
    const first = completion(events, (id) => id === 't1');
    await rt.queues.get('control').add('monthly-trigger', trigger.data, { ...jobOptions('monthly-trigger'), jobId: 't1' });
    expect(await first).toEqual({ period: '2026-10', key: 'monthly-2026-10', added: true, finish: 'monthly-2026-10-finish' });
    const second = completion(events, (id) => id === 't2');
    await rt.queues.get('control').add('monthly-trigger', trigger.data, { ...jobOptions('monthly-trigger'), jobId: 't2' });
    expect(await second).toMatchObject({ key: 'monthly-2026-10', added: false });
    const exp = await rt.queues.get('store').getJob('monthly-2026-10-export');
    expect(await exp!.getState()).toBe('waiting-children');
    expect(exp!.data).toMatchObject({ stage: 'export', spec: { period: '2026-10', close: true, sources: [{ id: 'aws-ce', type: 'aws-ce' }] } });
    const pull = await rt.queues.get('store').getJob('monthly-2026-10-pull-aws-ce');
    expect(pull?.name).toBe('pull');
    expect(pull!.data).toMatchObject({ stage: 'pull', spec: { period: '2026-10' } });
    expect(await pull!.getState()).toBe('waiting');
  });

  it('closing the worker (SIGTERM) lets the running job finish first', async () => {
    let entered!: () => void;
    const inside = new Promise<void>((r) => (entered = r));
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const { worker } = await setUp('close', { hooks: { beforeJob: async () => { entered(); await gate; } } });
    const job = await rt.queues.get('store').add('freshness', { max_age_hours: 48, expected: [] }, { ...jobOptions('freshness'), jobId: 'slow' });
    await inside;
    let closed = false;
    const closing = worker.close().then(() => (closed = true));
    // Not ready for new jobs any more, but alive: a liveness probe must not kill it while it finishes.
    expect(worker.ready()).toMatchObject({ ok: false, closing: true });
    expect(worker.health()).toMatchObject({ ok: true, closing: true });
    expect(closed).toBe(false);
    release();
    await closing;
    expect(await job.getState()).toBe('completed');
  });
});
