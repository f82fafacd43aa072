// The job commands as a user runs them (`node bin/allot.mjs ...`).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allot } from '../cli/run.ts';
import { TestSmtpServer } from '../servers/smtp.ts';
import { MAILED, messageIds, orgFiles, PERIOD, runtimeOn, SHARED_REDIS, uniquePrefix, type OrgFiles } from './helpers.ts';

let smtp: TestSmtpServer;
let org: OrgFiles;
beforeAll(async () => {
  smtp = await TestSmtpServer.start();
  org = await orgFiles(smtp.port);
});
afterAll(async () => {
  await smtp.close();
});

describe('allot run, schedule, jobs', () => {
  it('allot run --period runs the month in-process, without Redis', async () => {
    const r = await allot(['--config', org.configFile, '--db', org.dbPath, 'run', '--period', PERIOD, '--close'], { env: { REDIS_URL: 'redis://127.0.0.1:1' } });
    expect(r.stderr).toContain(`monthly-${PERIOD}-send-payments: done`);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`monthly-${PERIOD}: 9 steps; emails: 3 sent, 0 refused; tie-out: not every account has an invoice; ${PERIOD} closed; artefacts in ${org.artefactsDir}/monthly-${PERIOD}`);
    expect((await messageIds(smtp.messages.map((m) => m.raw))).map((m) => m.team)).toEqual([...MAILED].sort());
    // Again: every step is found done; nothing is sent twice.
    const again = await allot(['--config', org.configFile, '--db', org.dbPath, 'run', '--period', PERIOD]);
    expect(again.code).toBe(0);
    expect(again.stderr).toContain(`monthly-${PERIOD}-attribute: already done`);
    expect(smtp.messages).toHaveLength(3);
  });

  it('allot schedule syncs and lists the schedulers; allot jobs shows the queues', async () => {
    const prefix = uniquePrefix('cli');
    const rt = runtimeOn(SHARED_REDIS, prefix);
    try {
      const cfg = join(org.dir, 'scheduled.yaml');
      writeFileSync(cfg, `${readFileSync(org.configFile, 'utf8')}schedule:\n  timezone: Europe/Paris\n  monthly: { day: 2, time: "05:00" }\n  freshness: {}\n`);
      const env = { REDIS_URL: SHARED_REDIS, ALLOT_QUEUE_PREFIX: prefix };
      const s = await allot(['--config', cfg, '--json', 'schedule'], { env });
      expect(s.code).toBe(0);
      const out = JSON.parse(s.stdout) as { upserted: string[]; schedulers: { id: string; pattern: string; tz: string }[] };
      expect(out.upserted.sort()).toEqual(['freshness', 'monthly']);
      expect(out.schedulers.map((x) => [x.id, x.pattern, x.tz])).toEqual([['freshness', '0 8 * * 1', 'Europe/Paris'], ['monthly', '0 5 2 * *', 'Europe/Paris']]);
      const human = await allot(['--config', cfg, 'schedule'], { env });
      expect(human.stdout).toContain('upsert: none; unchanged: monthly, freshness; remove: none');

      const j = await allot(['--config', cfg, '--json', 'jobs'], { env });
      expect(j.code).toBe(0);
      const counts = (JSON.parse(j.stdout) as { counts: { queue: string; delayed: number }[] }).counts;
      expect(counts.map((c) => [c.queue, c.delayed])).toEqual([['store', 1], ['render', 0], ['deliver', 0], ['control', 1]]);
      expect((await allot(['worker', '--queues', 'store,bogus'], { env })).code).toBe(2);
    } finally {
      await rt.close();
    }
  });
});
