// Workers killed with SIGKILL in the middle of a monthly run (real worker
// processes, `node bin/allot.mjs worker`): once while it holds the store for
// the attribute step, once while it hands the first email to the SMTP server.
// Each time a new worker takes over and the run completes: one allocation run,
// no duplicated rows, one email per team. Waits are on log lines, process
// exits and SMTP events only.
import { FlowProducer } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { enqueueMonthly } from '../../jobs/monthly/flow.ts';
import type { SendOutcomeFile } from '../../jobs/monthly/artefacts.ts';
import type { JobsRuntime } from '../../jobs/runtime.ts';
import { monthlySpec } from '../../jobs/spec.ts';
import { RunWatcher } from '../../jobs/watch.ts';
import { Store } from '../../src/store/db.ts';
import { MAILED, messageIds, orgFiles, PERIOD, runtimeOn, SHARED_REDIS, uniquePrefix, type OrgFiles } from './helpers.ts';
import { GatedSmtpServer, WorkerProcess } from './processes.ts';

let smtp: GatedSmtpServer;
let org: OrgFiles;
let rt: JobsRuntime;
const procs: WorkerProcess[] = [];

beforeAll(async () => {
  smtp = await GatedSmtpServer.start();
  org = await orgFiles(smtp.port);
  rt = runtimeOn(SHARED_REDIS, uniquePrefix('crash'));
});
afterAll(async () => {
  for (const p of procs) await p.kill('SIGKILL');
  await rt.close();
  await smtp.close();
});

function worker(label: string): WorkerProcess {
  const p = new WorkerProcess(
    label,
    [
      'worker', '--config', org.configFile, '--db', org.dbPath, '--artefacts', org.artefactsDir, '--concurrency', '3', '--metrics-port', '0',
      // A dead worker's jobs and store lock are taken over after 2 s instead of 30 s and 60 s.
      '--job-lock-ms', '2000', '--stalled-interval-ms', '500', '--store-lock-ttl-ms', '2000',
    ],
    { REDIS_URL: SHARED_REDIS, ALLOT_QUEUE_PREFIX: rt.prefix, LOG_LEVEL: 'debug' },
  );
  procs.push(p);
  return p;
}

describe('a worker killed mid-run', () => {
  it('is replaced by another and the run completes with no duplicated rows and no duplicated email', async () => {
    const watcher = await RunWatcher.start(rt.redis, rt.prefix);
    const producer = new FlowProducer({ connection: rt.redis, prefix: rt.prefix });
    try {
      // Worker A: killed while it has the store open for the attribute step.
      const a = worker('A');
      await a.waitFor((l) => l.msg === 'worker ready');
      const spec = monthlySpec(org.loaded.config, PERIOD, { close: true });
      const r = await enqueueMonthly({ queues: rt.queues, producer }, spec);
      const held = await a.waitFor((l) => l.msg === 'store open for writing' && l.job === `monthly-${PERIOD}-attribute`);
      expect(held.fence).toBeTypeOf('number');
      expect(await a.kill('SIGKILL')).toEqual({ code: null, signal: 'SIGKILL' });

      // Worker B: takes the attribute step over; killed when the first email reaches the server.
      const firstMail = new Promise<Buffer>((resolve) => smtp.once('message', resolve));
      let releaseHeld!: () => void;
      const afterKill = new Promise<void>((res) => (releaseHeld = res));
      smtp.decide = async () => {
        await afterKill; // nothing is accepted while B is alive
        return 'drop';
      };
      const b = worker('B');
      await firstMail;
      expect(await b.kill('SIGKILL')).toEqual({ code: null, signal: 'SIGKILL' });
      smtp.decide = async () => 'accept';
      releaseHeld();
      expect(smtp.accepted).toHaveLength(0);
      expect(b.lines.some((l) => l.msg === 'job active' && l.job === `monthly-${PERIOD}-attribute`)).toBe(true);

      // Worker C finishes the run, then stops gracefully on SIGTERM.
      const c = worker('C');
      const result = await watcher.wait(rt.queues, spec.key, r.finish).catch((e: unknown) => {
        throw new Error(`${(e as Error).message}\n${[a, b, c].map((p) => p.transcript()).join('\n')}`);
      });
      expect(result).toEqual({ logged: 3, sent: 3, failed: 0, refused: [], closed: true });

      // C's /healthz and /metrics.
      const port = (await c.waitFor((l) => l.msg === 'worker ready')).metrics_port as number;
      const health = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({ ok: true, redis: 'ready', queues: { store: true, render: true, deliver: true, control: true } });
      const metrics = await fetch(`http://127.0.0.1:${port}/metrics`);
      expect(metrics.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      const text = await metrics.text();
      expect(text).toMatch(/^allot_queue_jobs\{queue="store",state="completed"\} [1-9]/m);
      expect(text).toMatch(/^allot_queue_jobs\{queue="deliver",state="failed"\} 0$/m);
      expect(text).toMatch(/^allot_job_duration_seconds_count\{name="send",queue="deliver",status="completed"\} 3$/m);
      expect(text).toMatch(/^allot_worker_up 1$/m);

      expect(await c.kill('SIGTERM')).toEqual({ code: 0, signal: null });
      expect(c.lines.map((l) => l.msg)).toContain('worker stopped');

      // One email per team, each Message-ID once.
      const got = await messageIds(smtp.accepted);
      expect(got.map((m) => m.team)).toEqual([...MAILED].sort());
      expect(new Set(got.map((m) => m.id)).size).toBe(3);
      // The messages B was sending were sent again by C under the same Message-ID.
      const dir = join(org.artefactsDir, spec.key);
      const outcomes = readdirSync(dir).filter((f) => f.endsWith('.sent.json')).map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as SendOutcomeFile);
      expect(outcomes.some((o) => o.resent_after_interruption)).toBe(true);
      expect(outcomes.map((o) => o.message_id).sort()).toEqual(got.map((m) => m.id).sort());

      const store = await Store.open(org.dbPath);
      try {
        const one = <T>(sql: string) => store.one<T>(sql, [PERIOD]);
        expect(await one(`SELECT count(*)::INTEGER AS n FROM allocation_runs WHERE period = $1`)).toEqual({ n: 2 }); // the fixture's and this run's
        const rows = await one<{ n: number; keys: number }>(
          `SELECT count(*)::INTEGER AS n, count(DISTINCT (team_id, charge_type, service, currency))::INTEGER AS keys
           FROM chargeback_rows WHERE run_id = (SELECT max(run_id) FROM allocation_runs WHERE period = $1)`,
        );
        expect(rows!.n).toBeGreaterThan(0);
        expect(rows!.n).toBe(rows!.keys);
        expect(await store.all(`SELECT team_id, status FROM send_log WHERE period = $1 ORDER BY team_id`, [PERIOD])).toEqual(
          [...MAILED].sort().map((t) => ({ team_id: t, status: 'sent' })),
        );
        expect(await one(`SELECT count(*)::INTEGER AS n FROM period_closes WHERE period = $1 AND status = 'closed'`)).toEqual({ n: 1 });
        const steps = await store.all<{ step_id: string; status: string }>(`SELECT step_id, status FROM job_steps ORDER BY step_id`);
        expect(steps).toEqual(['attribute', 'export', 'finish'].map((s) => ({ step_id: `monthly-${PERIOD}-${s}`, status: 'done' })));
      } finally {
        store.close();
      }
    } finally {
      await watcher.close();
      await producer.close();
    }
  }, 90_000);
});
