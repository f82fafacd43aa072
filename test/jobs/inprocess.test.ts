import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TieOutError } from '../../src/close/close.ts';
import { ingestInvoices } from '../../src/ingest/invoices/index.ts';
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

  it('a bill that differs from its invoice is not closed: the teams get provisional reports and the run fails with the tie-out', async () => {
    const smtp2 = await TestSmtpServer.start();
    const o = await orgFiles(smtp2.port);
    const store = await Store.open(o.dbPath);
    try {
      const billed = (await store.one<{ b: string }>(`SELECT sum(billed_cost)::DECIMAL(38,2)::VARCHAR AS b FROM line_items WHERE billing_period_start = '${PERIOD}-01'`))!.b;
      const f = join(o.dir, 'invoices.csv');
      writeFileSync(f, `provider,billing_account_id,billing_period,currency,amount,invoice_id\naws,payer,${PERIOD},USD,${(Number(billed) + 0.01).toFixed(2)},INV-9\n`);
      await ingestInvoices(store, f);
      const env = { loaded: o.loaded, artefactsDir: o.artefactsDir, log: silentLogger, now: () => new Date(), transport: transportTo(smtp2.port) };
      const run = runMonthlyInProcess(store, env, monthlySpec(o.loaded.config, PERIOD, { close: true }));
      await expect(run).rejects.toThrow(TieOutError);
      await expect(run).rejects.toThrow(`period ${PERIOD} does not tie out: billing account payer stores ${billed} USD against ${(Number(billed) + 0.01).toFixed(2)} (-0.01)`);
      expect(await store.one('SELECT count(*)::INTEGER AS n FROM period_closes')).toEqual({ n: 0 });
      expect(smtp2.messages).toHaveLength(MAILED.length);
      const text = (await simpleParser(smtp2.messages[0]!.raw)).text ?? '';
      expect(text).toContain(`Provisional: October 2026 is not closed for finance yet; these numbers may still change.`);
    } finally {
      store.close();
      await smtp2.close();
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
