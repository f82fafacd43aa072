// One writer for the DuckDB store: the Redis lock serialises store jobs across
// workers, and the fencing token keeps a worker that lost the lock from writing.
import { QueueEvents } from 'bullmq';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../jobs/log.ts';
import type { JobsRuntime } from '../../jobs/runtime.ts';
import { exclusively, fenceStore, recordFence, StaleLockError, StoreLock, withStore } from '../../jobs/store-lock.ts';
import { jobOptions } from '../../jobs/queues.ts';
import { startWorker, type RunningWorker, type WorkerHooks } from '../../jobs/worker.ts';
import { RunArtefacts } from '../../jobs/monthly/artefacts.ts';
import { sendStep, type StepEnv } from '../../jobs/monthly/steps.ts';
import { monthlySpec } from '../../jobs/spec.ts';
import { TestSmtpServer } from '../servers/smtp.ts';
import { Store } from '../../src/store/db.ts';
import { orgFiles, PERIOD, runtimeOn, SHARED_REDIS, transportTo, uniquePrefix, type OrgFiles } from './helpers.ts';

let rt: JobsRuntime | undefined;
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
  await rt?.close();
  rt = undefined;
});

/** The first `n` callers wait for each other; later ones pass straight through. */
function firstMeet(n: number) {
  let arrived = 0;
  let release!: () => void;
  const all = new Promise<void>((r) => (release = r));
  return async () => {
    if (arrived >= n) return;
    if (++arrived === n) release();
    await all;
  };
}

describe('the store lock', () => {
  it('two workers taking store jobs at the same moment never have the store open together; fencing tokens only grow', async () => {
    const org: OrgFiles = await orgFiles(1);
    rt = runtimeOn(SHARED_REDIS, uniquePrefix('lock'));
    const events: { worker: string; what: 'enter' | 'exit'; job: string; fence: number }[] = [];
    const meet = firstMeet(2); // both workers hold a job before either goes for the store
    const hooks = (worker: string): WorkerHooks => ({
      beforeJob: () => meet(),
      storeEnter: (s, job) => void events.push({ worker, what: 'enter', job: job.id!, fence: s.lease.fence }),
      storeExit: (s, job) => void events.push({ worker, what: 'exit', job: job.id!, fence: s.lease.fence }),
    });
    const workers: RunningWorker[] = [];
    for (const name of ['A', 'B']) {
      const w = await startWorker({
        redis: rt.redis, prefix: rt.prefix, log: silentLogger, loaded: org.loaded, dbPath: org.dbPath, artefactsDir: org.artefactsDir,
        queues: ['store'], hooks: hooks(name),
      });
      workers.push(w);
      closers.push(() => w.close());
    }
    const conn = rt.redis.duplicate();
    const qe = new QueueEvents('store', { connection: conn, prefix: rt.prefix });
    closers.push(async () => {
      await qe.close();
      conn.disconnect();
    });
    await qe.waitUntilReady();
    const q = rt.queues.get('store');
    const jobs = await Promise.all(
      Array.from({ length: 8 }, (_, i) => q.add('freshness', { max_age_hours: 48, expected: ['aws-ce'] }, { ...jobOptions('freshness'), jobId: `fresh-${i}` })),
    );
    const results = await Promise.all(jobs.map((j) => j.waitUntilFinished(qe, 30_000)));
    expect(results.every((r) => (r as { stale: string[] }).stale.includes('aws-ce'))).toBe(true);

    // Strictly enter, exit, enter, exit...: no two holders overlap.
    expect(events).toHaveLength(16);
    events.forEach((e, i) => expect(e.what).toBe(i % 2 === 0 ? 'enter' : 'exit'));
    for (let i = 0; i < events.length; i += 2) expect(events[i + 1]).toMatchObject({ worker: events[i]!.worker, job: events[i]!.job });
    const fences = events.filter((e) => e.what === 'enter').map((e) => e.fence);
    expect(fences).toEqual([...fences].sort((a, b) => a - b));
    expect(new Set(fences).size).toBe(8);
    // Both workers did store work.
    expect(new Set(events.map((e) => e.worker))).toEqual(new Set(['A', 'B']));

    const store = await Store.open(org.dbPath);
    try {
      expect(await store.one('SELECT token::INTEGER AS token FROM job_fence')).toEqual({ token: Math.max(...fences) });
    } finally {
      store.close();
    }
  });

  it('a worker that lost the lock cannot write: the lock is gone and the store holds a newer fencing token', async () => {
    const org = await orgFiles(1);
    rt = runtimeOn(SHARED_REDIS, uniquePrefix('fence'));
    const lockA = new StoreLock(rt.redis, rt.prefix, silentLogger, { holder: 'A' });
    const lockB = new StoreLock(rt.redis, rt.prefix, silentLogger, { holder: 'B' });

    const a = await lockA.acquire();
    // A stalls past its ttl: the key expires (deleted here, which is what expiry does).
    await rt.redis.del(lockA.key);
    // B takes the lock, with a newer token, and writes.
    await withStore(lockB, { dbPath: org.dbPath, jobId: 'b-job' }, async ({ store, lease }) => {
      expect(lease.fence).toBe(a.fence + 1);
      await store.run(`INSERT INTO period_close_log VALUES ('2026-10', 'reopen', NULL, NULL, 'written by B', 'B', now()::TIMESTAMP)`);
    });

    // A wakes up and opens the store: refused before it writes anything.
    const store = await Store.open(org.dbPath);
    try {
      await expect(fenceStore(store, a, lockA, 'a-job')).rejects.toThrow(StaleLockError);
      expect(await a.held()).toBe(false);
      // Even were Redis to say otherwise, the store refuses A's older token.
      await expect(recordFence(store, a.fence, 'A', 'a-job')).rejects.toThrow(/older than the store's .*written by B/);
      expect(await store.one('SELECT token::INTEGER AS token, holder, job_id FROM job_fence')).toEqual({ token: a.fence + 1, holder: 'B', job_id: 'b-job' });
    } finally {
      store.close();
      await a.release();
    }
    // A's release did not free B's (or anyone's) lock by mistake: it only deletes its own token.
    const c = await lockB.acquire();
    expect(await rt.redis.get(lockB.key)).toBe(c.token);
    await a.release();
    expect(await rt.redis.get(lockB.key)).toBe(c.token);
    await c.release();
    expect(await rt.redis.get(lockB.key)).toBeNull();
  });

  it('after Redis lost its keys, the current holder moves the fencing counter past the store\'s', async () => {
    const org = await orgFiles(1);
    rt = runtimeOn(SHARED_REDIS, uniquePrefix('reset'));
    const lock = new StoreLock(rt.redis, rt.prefix, silentLogger);
    for (let i = 0; i < 3; i++) await withStore(lock, { dbPath: org.dbPath }, async () => undefined);
    await rt.redis.del(lock.fenceKey); // as after a restart without persistence
    const fence = await withStore(lock, { dbPath: org.dbPath }, async ({ lease }) => lease.fence);
    expect(fence).toBe(4);
    expect(Number(await rt.redis.get(lock.fenceKey))).toBe(4);
  });

  it('a send handed to two workers at once (a falsely stalled job) mails the team once', async () => {
    const org = await orgFiles(1);
    rt = runtimeOn(SHARED_REDIS, uniquePrefix('claim'));
    const smtp = await TestSmtpServer.start();
    closers.push(() => smtp.close());
    const spec = monthlySpec(org.loaded.config, PERIOD);
    const art = new RunArtefacts(org.artefactsDir, spec.key);
    const mid = '<allot.test.payments@allot.local>';
    art.write(art.path('teams.json'), {
      key: spec.key, period: PERIOD, run_id: 1, created_at: new Date().toISOString(), from: 'allot@example.com', reply_to: null,
      teams: [{ team_id: 'payments', recipients: ['pay@example.com'], message_id: mid, skip: null }],
    });
    art.writeRaw(art.team('payments', 'eml'), `From: allot@example.com\r\nTo: pay@example.com\r\nMessage-ID: ${mid}\r\nSubject: x\r\n\r\nhello\r\n`);
    art.write(art.team('payments', 'rendered.json'), { team_id: 'payments', message_id: mid, subject: 'x', recipients: ['pay@example.com'], eml: art.team('payments', 'eml'), bytes: 10 });
    const env = (holder: string): StepEnv => ({
      loaded: org.loaded, artefactsDir: org.artefactsDir, log: silentLogger, now: () => new Date(), transport: transportTo(smtp.port),
      exclusive: (name, fn) => exclusively(new StoreLock(rt!.redis, rt!.prefix, silentLogger, { name, fencing: false, holder }), fn),
    });
    const [a, b] = await Promise.all([sendStep(env('A'), spec, 'payments'), sendStep(env('B'), spec, 'payments')]);
    expect(smtp.messages).toHaveLength(1);
    expect(a).toEqual(b);
    expect(a).toMatchObject({ status: 'sent', message_id: mid, attempts: 1 });
  });
});
