// `allot serve`'s alerts: real HTTP against the started server on 127.0.0.1,
// over a hand-built month whose forecast crosses a team's budget threshold
// (the month of test/budgets/alerts.test.ts, with known answers).
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AllotApiError, AllotCostInsightsClient } from '../../src/api/cost-insights-client.ts';
import { StoreReader } from '../../src/api/reader.ts';
import { startServer, type RunningServer } from '../../src/api/server.ts';
import { tokensFromEnv } from '../../src/api/tokens.ts';
import { addCharges, attributeAt, config, everyDay, tempStore } from '../budgets/fixture.ts';

const ADMIN = 'admin-0123456789abcdef';
const ALPHA = 'alpha-0123456789abcdef';
const BRAVO = 'bravo-0123456789abcdef';

// November 2026, no billing lag: as of the 11th, days 1–10 are billed.
const P = '2026-11';
const YAML = `
teams:
  - { id: alpha, name: Alpha, cost_center: CC-A, gl_account: "6100", accounts: ["111"], emails: [alpha@example.com], budget: 2500 }
  - { id: bravo, name: Bravo, cost_center: CC-B, gl_account: "6200", accounts: ["222"], emails: [bravo@example.com] }
  - { id: charlie, name: Charlie, cost_center: CC-C, gl_account: "6300", accounts: ["333"], emails: [charlie@example.com], budget: 700 }
alerts: { incomplete_days: 0 }
`;

let server: RunningServer;
let reader: StoreReader;
let runId: number;

beforeAll(async () => {
  const loaded = config(YAML);
  const store = await tempStore();
  // alpha: 80 a day for 10 days, cost to date 800, forecast 30 × 80 = 2,400: 96% of its 2,500 budget,
  // so over the 80% threshold (2,000) and under 100%. bravo: no budget, a flat 50 a day.
  // charlie: 70 a day, then 400 on the 10th: an unusual day, and the day its cost to date (1,030) passed its 700 budget.
  await addCharges(store, P, [...everyDay('111', 1, 10, '80.00'), ...everyDay('222', 1, 10, '50.00'), ...everyDay('333', 1, 10, (d) => (d === 10 ? '400.00' : '70.00'))]);
  runId = await attributeAt(store, loaded, P);
  const db = store.path;
  store.close();
  reader = new StoreReader(db, { waitMs: 10_000 });
  const tokens = tokensFromEnv({ ALLOT_API_ADMIN_TOKEN: ADMIN, ALLOT_API_TEAM_TOKENS: `alpha=${ALPHA},bravo=${BRAVO}` }, ['alpha', 'bravo', 'charlie']);
  server = await startServer({ reader, config: loaded.config, tokens, log: pino({ level: 'silent' }), clock: () => new Date('2026-11-11T07:30:00Z') },
    { host: '127.0.0.1', port: 0 });
});
afterAll(async () => {
  await server?.close();
  reader?.close();
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON answers, checked field by field
async function get(path: string, token: string): Promise<{ status: number; body: any }> {
  const res = await fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, body: await res.json() };
}

describe('GET /v1/teams/{team}/alerts', () => {
  it("answers the team's forecast alert, to the cent, for the newest period as of today", async () => {
    const r = await get('/v1/teams/alpha/alerts', ALPHA);
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      period: P, run_id: runId, as_of: '2026-11-11', team_id: 'alpha',
      alerts: [{
        kind: 'forecast', key: 'forecast:80', period: P, run_id: runId, as_of: '2026-11-11', team: { id: 'alpha', name: 'Alpha' },
        currency: 'USD', decimals: 2,
        threshold: 80, budget: '2500.00', budget_source: 'config teams[alpha].budget', threshold_amount: '2000.00',
        forecast: '2400.00', low: '2400.00', high: '2400.00', percent: '96.0', mtd: '800.00',
        // every forecast made from the 2nd on (from the days billed before it) was 2,400
        since: '2026-11-02',
        behind: [{ kind: 'line items', label: 'Amazon EC2 i-111', amount: '800.00', line_items: '10' }],
        explain: 'allot explain --period 2026-11 --team alpha',
      }],
    });
  });

  it('takes ?period= and ?as_of= (the day the forecast is made on)', async () => {
    const r = await get(`/v1/teams/alpha/alerts?period=${P}&as_of=2026-11-06`, ADMIN);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ period: P, as_of: '2026-11-06', alerts: [{ key: 'forecast:80', as_of: '2026-11-06', mtd: '800.00' }] });
  });

  it('a budget passed to date and an unusual day', async () => {
    const r = await get('/v1/teams/charlie/alerts', ADMIN);
    expect(r.body.alerts.map((a: { key: string }) => a.key)).toEqual(['forecast:80', 'forecast:100', 'mtd:100', 'anomaly:2026-11-10:Amazon EC2']);
    expect(r.body.alerts[2]).toMatchObject({ kind: 'mtd', threshold: 100, budget: '700.00', mtd: '1030.00', percent: '147.1', over_by: '330.00', since: '2026-11-10' });
    expect(r.body.alerts[3]).toMatchObject({
      kind: 'anomaly', day: '2026-11-10', service: 'Amazon EC2', charge_types: ['direct'], amount: '400.00', typical: '70.00', excess: '330.00', mad: '0.00',
      history: { days: 9, from: '2026-11-01', to: '2026-11-09' },
    });
  });

  it('a team without a budget or an unusual day has none', async () => {
    expect(await get('/v1/teams/bravo/alerts', BRAVO)).toEqual({
      status: 200, body: { period: P, run_id: runId, as_of: '2026-11-11', team_id: 'bravo', alerts: [] } });
  });

  it("a team token cannot read another team's alerts; bad input is a 4xx with one line", async () => {
    expect(await get('/v1/teams/alpha/alerts', BRAVO)).toEqual({ status: 403, body: { error: 'this token reads team "bravo" only' } });
    expect(await get('/v1/teams/nobody/alerts', ADMIN)).toEqual({ status: 404, body: { error: 'unknown team "nobody"' } });
    expect(await get('/v1/teams/alpha/alerts?period=2026-13', ADMIN)).toEqual({ status: 400, body: { error: 'period "2026-13" is not a month like 2026-10' } });
    expect(await get('/v1/teams/alpha/alerts?as_of=2026-02-30', ADMIN)).toEqual({ status: 400, body: { error: 'as_of "2026-02-30" is not a day like 2026-10-15' } });
    expect(await get('/v1/teams/alpha/alerts?period=2026-10', ADMIN)).toEqual({
      status: 404, body: { error: 'no allocation run for period 2026-10: run "allot attribute --period 2026-10" first' } });
  });
});

describe('Cost Insights alerts', () => {
  const expected = () => ({
    title: 'Alpha: November 2026 forecast $2,400.00 is 96.0% of budget (80% threshold)',
    subtitle:
      'The forecast to month end is $2,400.00 (likely between $2,400.00 and $2,400.00), 96.0% of the $2,500.00 budget (config teams[alpha].budget). ' +
      'Cost to date: $800.00. ' +
      '$400.00 over the 80% threshold of $2,000.00. ' +
      'Since 2026-11-02: a forecast made on any day since then, from the days billed before it, is at or over the threshold. ' +
      `As of 2026-11-11, from allocation run #${runId}. ` +
      'Look closer: allot explain --period 2026-11 --team alpha',
  });

  it('the endpoint and the client answer the plugin\'s Alert for each', async () => {
    const want = [expected()];
    expect(await get('/v1/cost-insights/groups/alpha/alerts', ADMIN)).toEqual({ status: 200, body: want });
    const api = new AllotCostInsightsClient({ baseUrl: server.url, token: ALPHA });
    expect(await api.getAlerts('alpha')).toEqual(want);
    expect(await new AllotCostInsightsClient({ baseUrl: server.url, token: BRAVO }).getAlerts('bravo')).toEqual([]);
    const charlie = await new AllotCostInsightsClient({ baseUrl: server.url, token: ADMIN }).getAlerts('charlie');
    expect(charlie.slice(2)).toEqual([
      {
        title: 'Charlie: November 2026 cost to date $1,030.00 has reached the $700.00 budget',
        subtitle: 'The cost to date is $1,030.00, 147.1% of the $700.00 budget (config teams[charlie].budget). $330.00 over the budget. ' +
          "2026-11-10: that day's cost took the month to the budget. " +
          `As of 2026-11-11, from allocation run #${runId}. Look closer: allot explain --period 2026-11 --team charlie`,
      },
      {
        title: 'Charlie: Amazon EC2 cost $400.00 on 2026-11-10, $330.00 above its typical day',
        subtitle: 'The usage cost of Amazon EC2 (direct) on 2026-11-10 was $400.00. ' +
          '$330.00 above its typical day of $70.00: the median of the 9 complete days 2026-11-01 to 2026-11-09, whose median absolute deviation is $0.00. ' +
          '2026-11-10, the first day of it. ' +
          `As of 2026-11-11, from allocation run #${runId}. Look closer: allot explain --period 2026-11 --team charlie`,
      },
    ]);
  });

  it("a team token cannot read another team's", async () => {
    await expect(new AllotCostInsightsClient({ baseUrl: server.url, token: BRAVO }).getAlerts('alpha'))
      .rejects.toEqual(new AllotApiError(403, 'this token reads team "bravo" only'));
  });
});

describe('a store without a run', () => {
  it('has no newest period: 404 with the reason', async () => {
    const store = await tempStore();
    const path = store.path;
    store.close();
    const r = new StoreReader(path, { waitMs: 10_000 });
    const s = await startServer({ reader: r, config: config(YAML).config, tokens: tokensFromEnv({ ALLOT_API_ADMIN_TOKEN: ADMIN }, ['alpha']), log: pino({ level: 'silent' }) },
      { host: '127.0.0.1', port: 0 });
    try {
      for (const endpoint of ['/v1/teams/alpha/alerts', '/v1/cost-insights/groups/alpha/alerts']) {
        const res = await fetch(`${s.url}${endpoint}`, { headers: { authorization: `Bearer ${ADMIN}` } });
        expect([res.status, await res.json()], endpoint).toEqual([404, { error: 'no allocation run yet: run "allot attribute" first' }]);
      }
    } finally {
      await s.close();
      r.close();
    }
  });
});
