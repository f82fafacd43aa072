// Redis lost all its data (a restart without persistence) after a month ran:
// the README's procedure — `allot schedule`, then `allot run --period P
// --enqueue` — brings the schedulers back and re-runs the month through the
// workers with nothing done twice: the store's job steps and the run's
// artefacts answer for what was done, and no team is mailed again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../jobs/log.ts';
import { listSchedulers } from '../../jobs/schedule.ts';
import { startWorker, type RunningWorker } from '../../jobs/worker.ts';
import { Store } from '../../src/store/db.ts';
import { allot } from '../cli/run.ts';
import { TestRedisServer } from '../servers/redis.ts';
import { TestSmtpServer } from '../servers/smtp.ts';
import { orgFiles, PERIOD, runtimeOn, transportTo, uniquePrefix, type OrgFiles } from './helpers.ts';

let redis: TestRedisServer;
let smtp: TestSmtpServer;
let org: OrgFiles;
beforeAll(async () => {
  redis = await TestRedisServer.start();
  smtp = await TestSmtpServer.start();
  org = await orgFiles(smtp.port, 'schedule:\n  monthly: { day: 3, time: "06:00" }\n  freshness: {}\n');
});
afterAll(async () => {
  await redis.close();
  await smtp.close();
});

describe('after a Redis loss', () => {
  it('allot schedule and allot run --enqueue restore the schedulers and finish the month without doing anything twice', async () => {
    const rt = runtimeOn(redis.url, uniquePrefix('loss'));
    let worker: RunningWorker | undefined;
    const env = { REDIS_URL: redis.url, ALLOT_QUEUE_PREFIX: rt.prefix };
    const cli = (args: string[]) => allot(['--config', org.configFile, '--db', org.dbPath, ...args], { env });
    try {
      worker = await startWorker({
        redis: rt.redis, prefix: rt.prefix, log: silentLogger, loaded: org.loaded, dbPath: org.dbPath, artefactsDir: org.artefactsDir,
        transport: transportTo(smtp.port),
      });
      expect((await cli(['schedule'])).code).toBe(0);
      const first = await cli(['run', '--period', PERIOD, '--no-pull', '--enqueue', '--wait', '--artefacts', org.artefactsDir]);
      expect(first.code, first.stderr).toBe(0);
      expect(smtp.messages).toHaveLength(3);

      await redis.restartEmpty();
      expect(await listSchedulers(rt.queues)).toEqual([]); // the schedulers went with the data

      expect((await cli(['schedule'])).stdout).toContain('upsert: monthly, freshness');
      const again = await cli(['run', '--period', PERIOD, '--no-pull', '--enqueue', '--wait', '--artefacts', org.artefactsDir]);
      expect(again.stderr).toContain(`Enqueued monthly-${PERIOD}`);
      expect(again.stdout).toContain(`monthly-${PERIOD} finished: emails: 3 sent, 0 refused`);
      expect(again.code).toBe(0);
      expect(smtp.messages).toHaveLength(3); // nobody mailed twice

      await worker.close();
      worker = undefined;
      const store = await Store.open(org.dbPath);
      try {
        expect(await store.one(`SELECT count(*)::INTEGER AS n FROM allocation_runs WHERE period = $1`, [PERIOD])).toEqual({ n: 2 }); // the fixture's and the month's
        expect(await store.one(`SELECT count(*)::INTEGER AS n FROM send_log WHERE period = $1`, [PERIOD])).toEqual({ n: 3 });
      } finally {
        store.close();
      }
    } finally {
      await worker?.close();
      await rt.close();
    }
  }, 90_000);
});
