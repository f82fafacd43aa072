import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../jobs/log.ts';
import { runMonthlyInProcess } from '../../jobs/monthly/inprocess.ts';
import { monthlySpec } from '../../jobs/spec.ts';
import { Store } from '../../src/store/db.ts';
import { ConfigError } from '../../src/util/errors.ts';
import { TestSmtpServer } from '../servers/smtp.ts';
import { MAILED, messageIds, orgFiles, PERIOD, transportTo, type OrgFiles } from './helpers.ts';

let smtp: TestSmtpServer;
let org: OrgFiles;
beforeAll(async () => {
  smtp = await TestSmtpServer.start();
  org = await orgFiles(smtp.port);
});
afterAll(async () => {
  await smtp.close();
});

describe('allot run: the monthly pipeline in one process', () => {
  it('runs every step once; a second run finds them done and sends nothing', async () => {
    const store = await Store.open(org.dbPath);
    try {
      const env = { loaded: org.loaded, artefactsDir: org.artefactsDir, log: silentLogger, now: () => new Date(), transport: transportTo(smtp.port) };
      const spec = monthlySpec(org.loaded.config, PERIOD, { close: true });
      const r = await runMonthlyInProcess(store, env, spec);
      expect(r.steps.map((s) => s.step)).toEqual([
        `monthly-${PERIOD}-attribute`, `monthly-${PERIOD}-export`,
        ...MAILED.map((t) => `monthly-${PERIOD}-render-${t}`), ...MAILED.map((t) => `monthly-${PERIOD}-send-${t}`),
        `monthly-${PERIOD}-finish`,
      ]);
      expect((await messageIds(smtp.messages.map((m) => m.raw))).map((m) => m.team)).toEqual([...MAILED].sort());
      const again = await runMonthlyInProcess(store, env, spec);
      expect(again.steps.filter((s) => s.status === 'done').map((s) => s.stage)).toEqual(['render', 'render', 'render', 'send', 'send', 'send']);
      expect(smtp.messages).toHaveLength(3);
      const log = await store.all<{ team_id: string; status: string }>(`SELECT team_id, status FROM send_log WHERE period = $1 ORDER BY team_id`, [PERIOD]);
      expect(log).toEqual([{ team_id: 'hostile', status: 'sent' }, { team_id: 'payments', status: 'sent' }, { team_id: 'zebra', status: 'sent' }]);
      expect((await store.one<{ status: string }>('SELECT status FROM period_closes WHERE period = $1', [PERIOD]))?.status).toBe('closed');
    } finally {
      store.close();
    }
  });

  it('without an smtp section the send fails at once, with no retries', async () => {
    const bare = await orgFiles(1);
    const loaded = { ...bare.loaded, config: { ...bare.loaded.config, smtp: undefined } };
    const store = await Store.open(bare.dbPath);
    const events: string[] = [];
    try {
      const env = { loaded, artefactsDir: bare.artefactsDir, log: silentLogger, now: () => new Date() };
      const run = runMonthlyInProcess(store, env, monthlySpec(loaded.config, PERIOD), { onStep: (e) => events.push(`${e.stage}:${e.status}`) });
      await expect(run).rejects.toThrow(ConfigError);
      await expect(run).rejects.toThrow(/smtp: no smtp section/);
      expect(events.filter((e) => e.endsWith(':retry'))).toEqual([]);
      expect(events).toContain('render:done');
    } finally {
      store.close();
    }
  });
});
