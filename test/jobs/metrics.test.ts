// /metrics, /healthz and /readyz of real worker processes (`node bin/allot.mjs
// worker`). Two workers on one Redis, scraped at the same moment, report the
// same source freshness and the queue depths once; counters start at zero; a
// one-off import never trips freshness; the exposition passes `promtool check
// metrics`; a Redis outage fails readiness, not liveness, and prints nothing
// raw on stderr.
import { execFileSync, spawnSync } from 'node:child_process';
import { QueueEvents } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordSourceSuccess } from '../../jobs/freshness.ts';
import { jobOptions } from '../../jobs/queues.ts';
import type { JobsRuntime } from '../../jobs/runtime.ts';
import { desiredSchedulers } from '../../jobs/schedule.ts';
import { Store } from '../../src/store/db.ts';
import { TestRedisServer } from '../servers/redis.ts';
import { orgFiles, PERIOD, runtimeOn, SHARED_REDIS, uniquePrefix, type OrgFiles } from './helpers.ts';
import { WorkerProcess } from './processes.ts';

const SCHEDULE = `schedule:
  billing_pulls: { sources: [{ type: aws-ce, id: aws-payer, billing_account: payer-1, endpoint: "http://127.0.0.1:1" }] }
  freshness: { max_age_hours: 48 }
`;

let org: OrgFiles;
let rt: JobsRuntime;
const procs: WorkerProcess[] = [];

function worker(label: string, extra: string[] = [], env: NodeJS.ProcessEnv = {}): WorkerProcess {
  const p = new WorkerProcess(
    label,
    ['worker', '--config', org.configFile, '--db', org.dbPath, '--artefacts', org.artefactsDir, '--metrics-port', '0', '--metrics-host', '127.0.0.1', ...extra],
    { REDIS_URL: SHARED_REDIS, ALLOT_QUEUE_PREFIX: rt.prefix, ...env },
  );
  procs.push(p);
  return p;
}

const portOf = async (p: WorkerProcess) => (await p.waitFor((l) => l.msg === 'worker ready')).metrics_port as number;
const scrape = async (port: number) => (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
const series = (text: string, name: string) => text.split('\n').filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `)).sort();

beforeAll(async () => {
  org = await orgFiles(1, SCHEDULE);
  rt = runtimeOn(SHARED_REDIS, uniquePrefix('metrics'));
  // The store: a pull of the configured source 3 hours ago, and a one-off FOCUS backfill 10 days ago.
  const store = await Store.open(org.dbPath);
  await store.run(
    `INSERT INTO imports (import_id, source, file, format, status, started_at, finished_at) VALUES
       (nextval('import_id_seq'), 'aws-ce', 'aws-ce:payer-1:${PERIOD}', 'api', 'active', now()::TIMESTAMP - INTERVAL 3 HOUR, now()::TIMESTAMP - INTERVAL 3 HOUR),
       (nextval('import_id_seq'), 'focus', 'backfill-2025.csv', 'csv', 'active', now()::TIMESTAMP - INTERVAL 240 HOUR, now()::TIMESTAMP - INTERVAL 240 HOUR)`,
  );
  store.close();
});
afterAll(async () => {
  for (const p of procs) await p.kill('SIGKILL');
  await rt.close();
});

describe('two workers, one truth', () => {
  it('scraped at the same moment: the same freshness, the queue depths once, counters from zero', async () => {
    const a = worker('A');
    const b = worker('B', ['--queues', 'render,deliver']);
    const [pa, pb] = await Promise.all([portOf(a), portOf(b)]);

    // The freshness check (a store job, so worker A runs it) reads the store and records what it finds in Redis.
    const fresh = desiredSchedulers(org.loaded.config).find((d) => d.id === 'freshness')!;
    expect(fresh.data).toMatchObject({ expected: ['aws-payer'] });
    const conn = rt.redis.duplicate();
    const events = new QueueEvents('store', { connection: conn, prefix: rt.prefix });
    await events.waitUntilReady();
    const job = await rt.queues.get('store').add('freshness', fresh.data, { ...jobOptions('freshness'), jobId: 'fresh-1' });
    const report = (await job.waitUntilFinished(events)) as { stale: string[]; sources: { source: string }[] };
    await events.close();
    conn.disconnect();
    // The one-off backfill is not a configured source: it never "stops delivering".
    expect(report.stale).toEqual([]);
    expect(report.sources.map((s) => s.source)).toEqual(['aws-payer']);
    // Something in a queue, so the depths are not all zero.
    await rt.queues.get('control').add('monthly-trigger', {}, { delay: 3_600_000, jobId: 'later' });

    const [ta, tb] = await Promise.all([scrape(pa), scrape(pb)]);
    for (const name of ['allot_source_last_success_timestamp_seconds', 'allot_source_stale']) {
      expect(series(ta, name), name).toEqual(series(tb, name));
    }
    expect(series(ta, 'allot_source_stale')).toEqual(['allot_source_stale{source="aws-payer"} 0']);
    expect(ta + tb).not.toContain('focus');
    const last = Number(series(ta, 'allot_source_last_success_timestamp_seconds')[0]!.split(' ')[1]);
    expect(Math.abs(Date.now() / 1000 - 3 * 3600 - last)).toBeLessThan(120);

    // Exactly one of the two exports the queue depths.
    const exporters = [ta, tb].map((t) => series(t, 'allot_metrics_exporter')[0]);
    expect(exporters.sort()).toEqual(['allot_metrics_exporter 0', 'allot_metrics_exporter 1']);
    const withQueues = [ta, tb].filter((t) => series(t, 'allot_queue_jobs').length > 0);
    expect(withQueues).toHaveLength(1);
    expect(series(withQueues[0]!, 'allot_queue_jobs')).toContain('allot_queue_jobs{queue="control",state="delayed"} 1');
    expect(series(withQueues[0]!, 'allot_queue_jobs')).toHaveLength(4 * 7);

    // Counters exist at zero before anything failed: per job kind the worker serves, per mailed team.
    expect(series(ta, 'allot_job_failures_total')).toContain('allot_job_failures_total{final="true",name="attribute",queue="store"} 0');
    expect(series(ta, 'allot_email_failures_total')).toContain('allot_email_failures_total{kind="refused",team="payments"} 0');
    expect(series(tb, 'allot_job_failures_total')).toContain('allot_job_failures_total{final="false",name="send",queue="deliver"} 0');
    expect(series(tb, 'allot_job_failures_total').some((l) => l.includes('queue="store"'))).toBe(false);

    // promtool (Debian's prometheus package) accepts the exposition.
    const promtool = spawnSync('promtool', ['--version'], { encoding: 'utf8' });
    if (promtool.error) {
      console.warn('promtool not found (apt-get install prometheus): skipping `promtool check metrics`');
    } else {
      for (const t of [ta, tb]) expect(execFileSync('promtool', ['check', 'metrics'], { input: t, encoding: 'utf8' })).toBe('');
    }

    // --metrics-host: where the server listens.
    expect(a.lines.find((l) => l.msg === 'worker ready')).toMatchObject({ metrics_host: '127.0.0.1' });
  }, 60_000);
});

describe('health and readiness', () => {
  it('a Redis outage fails /readyz, not /healthz; the worker logs it as JSON and writes nothing raw on stderr', async () => {
    const redis = await TestRedisServer.start();
    try {
      const w = worker('R', ['--queues', 'render,deliver'], { REDIS_URL: redis.url });
      const port = await portOf(w);
      const get = async (path: string) => (await fetch(`http://127.0.0.1:${port}${path}`)).status;
      expect([await get('/healthz'), await get('/readyz')]).toEqual([200, 200]);

      await redis.stop(false);
      await w.waitFor((l) => l.msg === 'redis connection error (reconnecting)');
      expect([await get('/healthz'), await get('/readyz')]).toEqual([200, 503]);
      expect(await scrape(port)).toMatch(/^allot_redis_up 0$/m);

      await redis.restart();
      await w.waitFor((l) => l.msg === 'redis connection ready again');
      expect(await get('/readyz')).toBe(200);
      expect(await w.kill('SIGTERM')).toEqual({ code: 0, signal: null });
      expect(w.stderr.join('')).toBe('');
    } finally {
      await redis.close();
    }
  }, 60_000);
});

describe('SIGHUP', () => {
  it('reloads the configuration: the next scrape watches the new source; a configuration that does not load is refused and the old one kept', async () => {
    const { copyFileSync, readFileSync, writeFileSync } = await import('node:fs');
    await recordSourceSuccess(rt.redis, rt.prefix, 'aws-payer', new Date()); // what a pull records
    const file = `${org.configFile}.hup.yaml`;
    copyFileSync(org.configFile, file);
    const p = new WorkerProcess('H', ['worker', '--config', file, '--db', org.dbPath, '--queues', 'render,deliver', '--metrics-port', '0'], {
      REDIS_URL: SHARED_REDIS, ALLOT_QUEUE_PREFIX: rt.prefix,
    });
    procs.push(p);
    const port = await portOf(p);
    expect(series(await scrape(port), 'allot_source_stale').map((l) => l.split('{')[1]!.split('}')[0])).toEqual(['source="aws-payer"']);

    writeFileSync(file, readFileSync(file, 'utf8').replace('sources: [{ type: aws-ce, id: aws-payer,', 'sources: [{ type: aws-ce, id: aws-second, billing_account: payer-2 }, { type: aws-ce, id: aws-payer,'));
    p.signal('SIGHUP');
    await p.waitFor((l) => l.msg === 'configuration reloaded (SIGHUP)');
    expect(series(await scrape(port), 'allot_source_stale')).toEqual(['allot_source_stale{source="aws-payer"} 0', 'allot_source_stale{source="aws-second"} 1']);

    writeFileSync(file, 'teams: [');
    p.signal('SIGHUP');
    const refused = await p.waitFor((l) => String(l.msg).startsWith('configuration NOT reloaded'));
    expect(refused.level).toBe('error');
    expect(series(await scrape(port), 'allot_source_stale')).toHaveLength(2);
    expect(p.stderr.join('')).toBe('');
  }, 60_000);
});

