// Redis restarted in the middle of a monthly run (a throwaway redis-server on
// its own port; the shared one is never touched): the worker, its queue-event
// listeners and the store lock reconnect, and the month completes.
import { Writable } from 'node:stream';
import { FlowProducer } from 'bullmq';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../jobs/log.ts';
import { enqueueMonthly } from '../../jobs/monthly/flow.ts';
import type { JobsRuntime } from '../../jobs/runtime.ts';
import { checkEvictionPolicy } from '../../jobs/redis.ts';
import { monthlySpec } from '../../jobs/spec.ts';
import { RunWatcher } from '../../jobs/watch.ts';
import { startWorker, type RunningWorker } from '../../jobs/worker.ts';
import { Store } from '../../src/store/db.ts';
import { TestRedisServer } from '../servers/redis.ts';
import { TestSmtpServer } from '../servers/smtp.ts';
import { MAILED, messageIds, orgFiles, PERIOD, runtimeOn, transportTo, uniquePrefix } from './helpers.ts';

let redis: TestRedisServer;
let smtp: TestSmtpServer;
beforeAll(async () => {
  redis = await TestRedisServer.start();
  smtp = await TestSmtpServer.start();
});
afterAll(async () => {
  await redis.close();
  await smtp.close();
});

describe('Redis restarts during a run', () => {
  it('the worker reconnects and the work completes, once', async () => {
    const org = await orgFiles(smtp.port);
    const rt: JobsRuntime = runtimeOn(redis.url, uniquePrefix('restart'));
    const restarts: string[] = [];
    let worker: RunningWorker | undefined;
    let watcher: RunWatcher | undefined;
    const producer = new FlowProducer({ connection: rt.redis, prefix: rt.prefix });
    try {
      worker = await startWorker({
        redis: rt.redis, prefix: rt.prefix, log: silentLogger, loaded: org.loaded, dbPath: org.dbPath, artefactsDir: org.artefactsDir,
        transport: transportTo(smtp.port),
        hooks: {
          // Restart Redis while the attribute step holds its job lock and the store lock.
          storeEnter: async (_s, job) => {
            if (job.name === 'attribute' && restarts.length === 0) {
              restarts.push(job.id!);
              await redis.restart();
            }
          },
          // And again while the renders run, with nothing of the store held.
          beforeJob: async (job) => {
            if (job.name === 'render' && restarts.length === 1) {
              restarts.push(job.id!);
              await redis.restart();
            }
          },
        },
      });
      watcher = await RunWatcher.start(rt.redis, rt.prefix);
      const spec = monthlySpec(org.loaded.config, PERIOD);
      const r = await enqueueMonthly({ queues: rt.queues, producer }, spec);
      const result = await watcher.wait(rt.queues, spec.key, r.finish);

      expect(restarts).toEqual([`monthly-${PERIOD}-attribute`, expect.stringMatching(new RegExp(`^monthly-${PERIOD}-render-`))]);
      expect(result).toEqual({ logged: 3, sent: 3, failed: 0, refused: [], closed: false });
      expect((await messageIds(smtp.messages.map((m) => m.raw))).map((m) => m.team)).toEqual([...MAILED].sort());
      const store = await Store.open(org.dbPath);
      try {
        expect(await store.one(`SELECT count(*)::INTEGER AS n FROM allocation_runs WHERE period = $1`, [PERIOD])).toEqual({ n: 2 });
      } finally {
        store.close();
      }
      expect(worker.health()).toMatchObject({ ok: true, redis: 'ready' });
    } finally {
      await worker?.close();
      await watcher?.close();
      await producer.close();
      await rt.close();
    }
  });

  it('a Redis that may evict keys is reported at start', async () => {
    const c = new Redis(redis.url);
    const sink: { level: number; msg: string }[] = [];
    const log = pino({ level: 'info' }, new Writable({ write: (b: Buffer, _e, cb) => { sink.push(JSON.parse(b.toString()) as { level: number; msg: string }); cb(); } }));
    try {
      expect(await checkEvictionPolicy(c, log)).toBe('noeviction');
      expect(sink).toEqual([]);
      await c.config('SET', 'maxmemory-policy', 'allkeys-lru'); // the throwaway server only
      expect(await checkEvictionPolicy(c, log)).toBe('allkeys-lru');
      expect(sink).toEqual([expect.objectContaining({ level: 40, msg: expect.stringMatching(/maxmemory-policy is "allkeys-lru": it must be "noeviction"/) })]);
    } finally {
      await c.config('SET', 'maxmemory-policy', 'noeviction');
      c.disconnect();
    }
  });
});
