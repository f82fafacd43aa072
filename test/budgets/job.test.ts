// The daily alerts job, run by a real worker from the scheduler's template on
// the shared Redis: mails the month's alerts to a local SMTP server, once.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QueueEvents } from 'bullmq';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../jobs/log.ts';
import { jobOptions } from '../../jobs/queues.ts';
import { desiredSchedulers } from '../../jobs/schedule.ts';
import { startWorker } from '../../jobs/worker.ts';
import { parseConfig } from '../../src/config/load.ts';
import { Store } from '../../src/store/db.ts';
import { runtimeOn, SHARED_REDIS, uniquePrefix } from '../jobs/helpers.ts';
import { TestSmtpServer } from '../servers/smtp.ts';
import { addCharges, attributeAt, everyDay } from './fixture.ts';

let smtp: TestSmtpServer;
beforeAll(async () => {
  smtp = await TestSmtpServer.start();
});
afterAll(async () => {
  await smtp.close();
});

describe('schedule.alerts', () => {
  it('a daily scheduler; its job mails the month\'s alerts once, and a second run sends nothing', async () => {
    const yaml = `
teams:
  - { id: alpha, name: Alpha, cost_center: CC-A, gl_account: "6100", accounts: ["111"], emails: [alpha@example.com], budget: 1000 }
alerts: { incomplete_days: 0 }
smtp: { host: 127.0.0.1, port: ${smtp.port}, from: "Allot <allot@example.com>" }
schedule:
  timezone: Europe/Paris
  alerts: { cron: "0 7 * * *" }
`;
    const dir = mkdtempSync(join(tmpdir(), 'allot-alerts-job-'));
    writeFileSync(join(dir, 'allot.yaml'), yaml);
    const loaded = { ...parseConfig(yaml, join(dir, 'allot.yaml'), {}) };
    const dbPath = join(dir, 'allot.duckdb');
    const store = await Store.open(dbPath);
    await addCharges(store, '2026-11', everyDay('111', 1, 10, '80.00'));
    await attributeAt(store, loaded, '2026-11');
    store.close();

    const sched = desiredSchedulers(loaded.config).find((d) => d.id === 'alerts')!;
    expect(sched).toMatchObject({ queue: 'store', name: 'alerts', repeat: { pattern: '0 7 * * *', tz: 'Europe/Paris' }, data: { timezone: 'Europe/Paris' } });

    const rt = runtimeOn(SHARED_REDIS, uniquePrefix('alerts'));
    // 07:00 in Paris on 11 November: days 1–10 billed; to date 800 (under the budget), forecast 30 × 80 = 2,400.
    const worker = await startWorker({
      redis: rt.redis, prefix: rt.prefix, log: silentLogger, loaded, dbPath, artefactsDir: join(dir, 'runs'), queues: ['store'],
      now: () => new Date('2026-11-11T06:00:00Z'),
    });
    const conn = rt.redis.duplicate();
    const events = new QueueEvents('store', { connection: conn, prefix: rt.prefix });
    await events.waitUntilReady();
    const completion = (id: string) =>
      new Promise<unknown>((resolve, reject) => {
        events.on('completed', ({ jobId, returnvalue }) => jobId === id && resolve(returnvalue));
        events.on('failed', ({ jobId, failedReason }) => jobId === id && reject(new Error(failedReason)));
      });
    try {
      const first = completion('a1');
      await rt.queues.get('store').add('alerts', sched.data, { ...jobOptions('alerts'), jobId: 'a1' });
      expect(await first).toEqual({
        as_of: '2026-11-11',
        periods: [{ period: '2026-11', run_id: 1, as_of: '2026-11-11', alerts: 2, sent: 2, skipped: 0, failed: 0 }],
        skipped: [],
      });
      const subjects = await Promise.all(smtp.messages.map(async (m) => (await simpleParser(m.raw)).subject));
      expect(subjects.sort()).toEqual([
        '[Allot] Alpha: November 2026 forecast $2,400.00 is 240.0% of budget (100% threshold)',
        '[Allot] Alpha: November 2026 forecast $2,400.00 is 240.0% of budget (80% threshold)',
      ]);

      const second = completion('a2');
      await rt.queues.get('store').add('alerts', sched.data, { ...jobOptions('alerts'), jobId: 'a2' });
      expect(await second).toMatchObject({ periods: [{ period: '2026-11', alerts: 2, sent: 0, skipped: 2 }] });
      expect(smtp.messages.length).toBe(2);
    } finally {
      await events.close();
      conn.disconnect();
      await worker.close();
      await rt.close();
    }
  });
});
