import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AlertDeliveryError, assertAlertsDelivered, currentAlerts, readAlertLog, sendAlerts } from '../../src/deliver/alerts.ts';
import { readSendLog } from '../../src/deliver/send-log.ts';
import type { Alert } from '../../src/model/alerts/types.ts';
import type { Store } from '../../src/store/db.ts';
import { TestSmtpServer } from '../servers/smtp.ts';
import { TestWebhookServer } from '../servers/webhook.ts';
import { addCharges, attributeAt, config, everyDay, tempStore, type Charge } from './fixture.ts';

// November 2026: 30 days. No lag (incomplete_days 0) unless a test says so:
// with as-of 2026-11-11, days 1–10 are billed and complete.

const P = '2026-11';
const yaml = (o: { alpha?: string; bravo?: string; smtp?: number; hooks?: string; extra?: string } = {}) => `
teams:
  - { id: alpha, name: Alpha, cost_center: CC-A, gl_account: "6100", accounts: ["111"], emails: [alpha@example.com]${o.alpha ? `, budget: ${o.alpha}` : ''}${o.hooks ?? ''} }
  - { id: bravo, name: Bravo, cost_center: CC-B, gl_account: "6200", accounts: ["222"], emails: [bravo@example.com]${o.bravo ? `, budget: ${o.bravo}` : ''} }
alerts: { incomplete_days: 0, anomaly: { min_amount: 50, mads: 4, history_days: 14 } }
${o.smtp ? `smtp: { host: 127.0.0.1, port: ${o.smtp}, from: "Allot <allot@example.com>" }` : ''}
${o.extra ?? ''}
`;

let store: Store;
beforeEach(async () => {
  store = await tempStore();
});
afterEach(() => store.close());

async function alertsFor(charges: Charge[], cfgYaml: string, asOf: string): Promise<Alert[]> {
  const loaded = config(cfgYaml);
  await addCharges(store, P, charges);
  await attributeAt(store, loaded, P);
  return currentAlerts(store, loaded.config, { period: P, asOf });
}
const keys = (as: Alert[]) => as.map((a) => `${a.team.id} ${a.key}`);

describe('when each alert fires', () => {
  // 80 a day for 10 days: cost to date 800, forecast 30 × 80 = 2,400.
  const flat = everyDay('111', 1, 10, '80.00');

  it('forecast at exactly 80% of the budget: the 80% alert, once', async () => {
    const as = await alertsFor(flat, yaml({ alpha: '3000' }), '2026-11-11');
    expect(keys(as)).toEqual(['alpha forecast:80']);
    const a = as[0]!;
    expect(a).toMatchObject({ kind: 'forecast', threshold: 80, forecast: '2400.00', budget: '3000.00', threshold_amount: '2400.00', percent: '80.0', mtd: '800.00' });
    // the forecasts made on the 2nd … 11th were all 2,400
    expect(a.kind === 'forecast' && a.since).toBe('2026-11-02');
  });

  it('forecast a cent under 80%: nothing', async () => {
    expect(keys(await alertsFor(flat, yaml({ alpha: '3000.02' }), '2026-11-11'))).toEqual([]);
  });

  it('cost to date at exactly the budget: the budget alert (and both forecast thresholds)', async () => {
    const as = await alertsFor(flat, yaml({ alpha: '800' }), '2026-11-11');
    expect(keys(as)).toEqual(['alpha forecast:80', 'alpha forecast:100', 'alpha mtd:100']);
    expect(as[2]).toMatchObject({ kind: 'mtd', mtd: '800.00', percent: '100.0', over_by: '0.00', since: '2026-11-10' });
  });

  it('cost to date a cent under the budget: no budget alert', async () => {
    expect(keys(await alertsFor(flat, yaml({ alpha: '800.01' }), '2026-11-11'))).toEqual(['alpha forecast:80', 'alpha forecast:100']);
  });

  it('a forecast alert says since when: the first forecast at or over the threshold', async () => {
    // 50 a day, then 150 a day from the 8th: the mean of the last 7 days passes 80% of 3,000 on a later day
    const as = await alertsFor(everyDay('111', 1, 14, (d) => (d < 8 ? '50.00' : '150.00')), yaml({ alpha: '3000' }), '2026-11-15');
    const a = as.find((x) => x.key === 'forecast:80')!;
    // as of the 11th: days 4–10 → 3×50 + 3×150... worked: mean (50×4 + 150×3)/7 = 92.857…; forecast 50×7+150×3 + 20×92.857 = 2657.14 ≥ 2400
    // as of the 10th: days 3–9 → (50×5+150×2)/7 = 78.571…; forecast 50×7+150×2 + 21×78.571 = 2300.00 < 2400
    expect(a.kind === 'forecast' && a.since).toBe('2026-11-11');
  });

  it('an unusual day at exactly the minimum amount above its typical day alerts once; a cent less does not', async () => {
    const spike = (cost: string) => everyDay('111', 1, 14, (d) => (d === 13 ? cost : '100.00'));
    const as = await alertsFor(spike('150.00'), yaml(), '2026-11-15');
    expect(keys(as)).toEqual(['alpha anomaly:2026-11-13:Amazon EC2']);
    expect(as[0]).toMatchObject({ kind: 'anomaly', amount: '150.00', typical: '100.00', excess: '50.00', mad: '0.00', history: { days: 12, from: '2026-11-01', to: '2026-11-12' } });
    store.close();
    store = await tempStore();
    expect(keys(await alertsFor(spike('149.99'), yaml(), '2026-11-15'))).toEqual([]);
  });

  it('a spike under the minimum amount never alerts, however large in proportion', async () => {
    const as = await alertsFor(everyDay('111', 1, 14, (d) => (d === 13 ? '55.00' : '10.00')), yaml(), '2026-11-15');
    expect(keys(as)).toEqual([]);
  });

  it('a day within the usual spread is not unusual: it must be `mads` median absolute deviations above', async () => {
    // 150, 200, 250, 300, 100, 150, … (100 + 50 × (day mod 5)): over days 1–12 the median is 200 and the MAD 50,
    // so the 13th must be 4 × 50 = 200 above: 400 alerts, 399.99 does not
    const noisy = (cost: string) => everyDay('111', 1, 14, (d) => (d === 13 ? cost : `${100 + 50 * (d % 5)}.00`));
    expect(keys(await alertsFor(noisy('399.99'), yaml(), '2026-11-15'))).toEqual([]);
    store.close();
    store = await tempStore();
    const as = await alertsFor(noisy('400.00'), yaml(), '2026-11-15');
    expect(keys(as)).toEqual(['alpha anomaly:2026-11-13:Amazon EC2']);
    expect(as[0]).toMatchObject({ typical: '200.00', mad: '50.00', excess: '200.00' });
  });

  it('a run of unusual days is one event, told on its first day; days still being billed are not judged', async () => {
    const charges = everyDay('111', 1, 16, (d) => (d >= 13 ? '400.00' : '100.00'));
    expect(keys(await alertsFor(charges, yaml(), '2026-11-17'))).toEqual(['alpha anomaly:2026-11-13:Amazon EC2']);
    store.close();
    store = await tempStore();
    // with two days of lag, the 13th and 14th are still being billed as of the 15th
    expect(keys(await alertsFor(charges.filter((c) => c.day <= 14), yaml({ extra: '' }).replace('incomplete_days: 0', 'incomplete_days: 2'), '2026-11-15'))).toEqual([]);
  });
});

describe('a month\'s first days', () => {
  it('are judged against the month before: a spike on the 3rd alerts', async () => {
    const loaded = config(yaml());
    await addCharges(store, '2026-10', everyDay('111', 1, 31, '100.00'));
    await addCharges(store, P, everyDay('111', 1, 4, (d) => (d === 3 ? '300.00' : '100.00')));
    await attributeAt(store, loaded, '2026-10');
    await attributeAt(store, loaded, P);
    const as = await currentAlerts(store, loaded.config, { period: P, asOf: '2026-11-05' });
    expect(keys(as)).toEqual(['alpha anomaly:2026-11-03:Amazon EC2']);
    expect(as[0]).toMatchObject({ typical: '100.00', excess: '200.00', history: { days: 14, from: '2026-10-20', to: '2026-11-02' } });
  });
});

describe('delivery: email and webhooks, once', () => {
  let smtp: TestSmtpServer;
  let hooks: TestWebhookServer;
  beforeAll(async () => {
    smtp = await TestSmtpServer.start();
    hooks = await TestWebhookServer.start();
  });
  afterAll(async () => {
    await smtp.close();
    await hooks.close();
  });
  beforeEach(() => {
    smtp.reset();
    smtp.setScript({});
    hooks.reset();
  });

  const fast = { retryDelaysMs: [1, 1], sleep: async () => undefined };
  const setup = async () => {
    const loaded = config(
      yaml({
        alpha: '2000', bravo: '100000', smtp: smtp.port,
        hooks: `, webhooks: [{ url: "${hooks.url('/services/T0/B0/alpha-secret')}" }, { url: "${hooks.url('/teams/alpha-secret')}", format: teams }]`,
      }),
    );
    await addCharges(store, P, [
      ...everyDay('111', 1, 14, (d) => (d === 12 ? '700.00' : '100.00'), { resource: 'i-alpha-web' }),
      { account: '111', day: 12, cost: '80.00', resource: 'i-alpha-batch' },
      // bravo's own spike, in names alpha must never see
      ...everyDay('222', 1, 14, (d) => (d === 12 ? '9000.00' : '500.00'), { service: 'Bravo Ledger Service', resource: 'bravo-ledger-db' }),
    ]);
    await attributeAt(store, loaded, P);
    return loaded;
  };

  it('mails each alert to its team and posts it to its webhooks; parsed back, it says what moved, by how much, since when, what is behind it and how to look closer', async () => {
    const loaded = await setup();
    const r = await sendAlerts(store, loaded.config, { period: P, asOf: '2026-11-15', ...fast });
    expect(r.failures).toEqual([]);
    // alpha: to date 13 × 100 + 700 + 80 = 2,080 ≥ 2,000; forecast far over; the 12th unusual. bravo: only its unusual day.
    expect(keys(r.alerts)).toEqual(['alpha forecast:80', 'alpha forecast:100', 'alpha mtd:100', 'alpha anomaly:2026-11-12:Amazon EC2', 'bravo anomaly:2026-11-12:Bravo Ledger Service']);
    expect(r.outcomes.filter((o) => o.status === 'sent').length).toBe(4 * 3 + 1);

    expect(smtp.messages.length).toBe(5);
    const alphaMails = await Promise.all(smtp.messages.filter((m) => m.to.includes('alpha@example.com')).map((m) => simpleParser(m.raw)));
    expect(alphaMails.length).toBe(4);
    for (const mail of alphaMails) {
      // A team's alert names no other team, nor anything of theirs.
      expect(`${mail.subject}\n${mail.text}\n${String(mail.html)}`).not.toMatch(/bravo/i);
      expect(mail.text).toContain('allot explain --period 2026-11 --team alpha');
      expect(mail.headers.get('x-allot-team')).toBe('alpha');
    }
    const anomaly = alphaMails.find((m) => m.headers.get('x-allot-alert') === 'anomaly:2026-11-12:Amazon EC2')!;
    expect(anomaly.subject).toBe('[Allot] Alpha: Amazon EC2 cost $780.00 on 2026-11-12, $680.00 above its typical day');
    expect(anomaly.text).toContain('$680.00 above its typical day of $100.00: the median of the 11 complete days 2026-11-01 to 2026-11-11');
    expect(anomaly.text).toContain('2026-11-12, the first day of it.');
    expect(anomaly.text).toContain('$700.00  i-alpha-web — Usage charge (1 line item)');
    expect(anomaly.text).toContain('$80.00  i-alpha-batch — Usage charge (1 line item)');
    const mtd = alphaMails.find((m) => m.headers.get('x-allot-alert') === 'mtd:100')!;
    expect(mtd.text).toContain('The cost to date is $2,080.00, 104.0% of the $2,000.00 budget (config teams[alpha].budget).');
    expect(mtd.text).toContain('$80.00 over the budget.');
    expect(mtd.text).toContain("2026-11-14: that day's cost took the month to the budget.");
    const forecast = alphaMails.find((m) => m.headers.get('x-allot-alert') === 'forecast:100')!;
    expect(forecast.text).toMatch(/^ {2}Since 2026-11-\d\d: a forecast made on any day since then, from the days billed before it, is at or over the threshold\.$/m);
    expect(forecast.text).toContain('allot explain --period 2026-11 --team alpha');
    const bravoMail = await simpleParser(smtp.messages.find((m) => m.to.includes('bravo@example.com'))!.raw);
    expect(`${bravoMail.subject}\n${bravoMail.text}`).not.toMatch(/alpha/i);

    // Webhooks: JSON, Slack and Teams shapes, parsed back.
    expect(hooks.requests.length).toBe(8);
    const slack = hooks.requests.filter((q) => q.path === '/services/T0/B0/alpha-secret').map((q) => JSON.parse(q.body) as { text: string; blocks: { text?: { text: string } }[] });
    const teams = hooks.requests.filter((q) => q.path === '/teams/alpha-secret').map((q) => JSON.parse(q.body) as { '@type': string; title: string; sections: { text: string }[] });
    expect(slack.map((s) => s.text)).toContain('[Allot] Alpha: November 2026 cost to date $2,080.00 has reached the $2,000.00 budget');
    expect(slack.every((s) => s.blocks.some((b) => b.text?.text.includes('allot explain --period 2026-11 --team alpha')))).toBe(true);
    expect(teams.every((t) => t['@type'] === 'MessageCard')).toBe(true);
    expect(hooks.requests.every((q) => q.headers['content-type'] === 'application/json' && !/bravo/i.test(q.body))).toBe(true);

    // The log keeps the webhook's origin, never its secret path; the team reports' log is untouched.
    const log = await readAlertLog(store, P);
    expect(log.length).toBe(13);
    expect(log.every((l) => l.status === 'sent')).toBe(true);
    expect(log.filter((l) => l.channel === 'webhook').every((l) => l.recipients.startsWith(`http://127.0.0.1:${hooks.port}/…`) && !l.recipients.includes('secret'))).toBe(true);
    expect(await readSendLog(store, P)).toEqual([]);

    // Re-running sends nothing.
    const again = await sendAlerts(store, loaded.config, { period: P, asOf: '2026-11-15', ...fast });
    expect(again.outcomes.every((o) => o.status === 'skipped')).toBe(true);
    expect(smtp.messages.length).toBe(5);
    expect(hooks.requests.length).toBe(8);
    expect((await readAlertLog(store, P)).length).toBe(13);

    // New addresses for the team do not make the same alerts go out again.
    const moved = { ...loaded.config, teams: loaded.config.teams.map((t) => (t.id === 'alpha' ? { ...t, emails: ['alpha-new@example.com'] } : t)) };
    const third = await sendAlerts(store, moved, { period: P, asOf: '2026-11-15', ...fast });
    expect(third.outcomes.every((o) => o.status === 'skipped')).toBe(true);
    expect(smtp.messages.length).toBe(5);
  });

  it('a webhook that answers 500 is retried; one that answers 404 fails, is logged, and the next run retries only it', async () => {
    const loaded = await setup();
    hooks.answer(500, 200, 404);
    const r = await sendAlerts(store, loaded.config, { period: P, team: 'alpha', asOf: '2026-11-15', ...fast });
    expect(r.failures.map((f) => [f.alert_key, f.channel, f.response, f.attempts])).toEqual([['forecast:80', 'webhook', 'HTTP 404 status 404', 1]]);
    expect(r.outcomes.find((o) => o.alert_key === 'forecast:80' && o.channel === 'webhook' && o.status === 'sent')?.attempts).toBe(2);
    expect(() => assertAlertsDelivered(r)).toThrow(AlertDeliveryError);
    hooks.reset();
    const again = await sendAlerts(store, loaded.config, { period: P, team: 'alpha', asOf: '2026-11-15', ...fast });
    expect(again.outcomes.filter((o) => o.status === 'sent').map((o) => [o.alert_key, o.channel])).toEqual([['forecast:80', 'webhook']]);
    expect(hooks.requests.length).toBe(1);
  });

  it('a dry run writes each alert as an .eml (and webhook .json) file and sends and logs nothing', async () => {
    const loaded = await setup();
    const dir = mkdtempSync(join(tmpdir(), 'allot-alerts-'));
    const r = await sendAlerts(store, loaded.config, { period: P, team: 'bravo', asOf: '2026-11-15', dryRunDir: dir });
    expect(readdirSync(dir)).toEqual(['bravo.anomaly-2026-11-12-Bravo-Ledger-Service.eml']);
    const mail = await simpleParser(readFileSync(join(dir, readdirSync(dir)[0]!)));
    expect(mail.subject).toBe('[Allot] Bravo: Bravo Ledger Service cost $9,000.00 on 2026-11-12, $8,500.00 above its typical day');
    expect(r.outcomes.map((o) => o.status)).toEqual(['written']);
    expect(smtp.messages.length).toBe(0);
    expect(await readAlertLog(store, P)).toEqual([]);
  });
});
