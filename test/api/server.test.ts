// `allot serve`: real HTTP requests against the started server on 127.0.0.1,
// over a hand-built store, with an admin token and a team token; and the
// Cost Insights client against the same server.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cost } from '@backstage/plugin-cost-insights-common';
import type { CostInsightsApi } from '@backstage/plugin-cost-insights';
import { AllotApiError, AllotCostInsightsClient } from '../../src/api/cost-insights-client.ts';
import { parseIntervals } from '../../src/api/intervals.ts';
import { StoreReader } from '../../src/api/reader.ts';
import { startServer, type RunningServer } from '../../src/api/server.ts';
import { tokensFromEnv } from '../../src/api/tokens.ts';
import { openForWrite, publishSnapshot } from '../../src/store/access.ts';
import { roundDecimal, sumDecimals } from '../../src/util/decimal.ts';
import { tempStore } from '../allocate/fixture.ts';
import { buildOrg, orgConfig, orgYaml, PERIOD, PREVIOUS, type Org } from '../render/team.fixture.ts';
import { startServe } from './serve-process.ts';

const ADMIN = 'admin-0123456789abcdef';
const PAYMENTS = 'payments-0123456789abcdef';
const ZEBRA = 'zebra-0123456789abcdef';

let org: Org;
let db: string;
let server: RunningServer;
let reader: StoreReader;
const logLines: string[] = [];

beforeAll(async () => {
  org = await buildOrg();
  db = org.store.path;
  org.store.close();
  const config = orgConfig().config;
  const tokens = tokensFromEnv({ ALLOT_API_ADMIN_TOKEN: ADMIN, ALLOT_API_TEAM_TOKENS: `payments=${PAYMENTS}, zebra=${ZEBRA}` }, config.teams.map((t) => t.id));
  const log = pino({ level: 'info' }, new Writable({ write(chunk, _e, cb) { logLines.push(String(chunk)); cb(); } }));
  reader = new StoreReader(db, { waitMs: 10_000 });
  // Alerts are computed as of "today": a fixed day after the month, so every day of October is complete.
  server = await startServer({ reader, config, tokens, log, clock: () => new Date('2026-11-05T09:00:00Z') }, { host: '127.0.0.1', port: 0 });
});
afterAll(async () => {
  await server?.close();
  reader?.close();
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON answers, checked field by field
async function get(path: string, token?: string): Promise<{ status: number; body: any }> {
  const res = await fetch(`${server.url}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { status: res.status, body: await res.json() };
}

/** A writer in another process (DuckDB's lock is per process): holds `path` open for writing until stopped. */
async function holdWriter(path: string): Promise<{ stop(): Promise<void> }> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', `
    import { DuckDBInstance } from '@duckdb/node-api';
    const db = await DuckDBInstance.create(process.argv[1]);
    await db.connect();
    console.log('holding');
    setInterval(() => {}, 1000);`, path], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((ok, fail) => {
    child.stdout!.once('data', () => ok());
    child.once('exit', (code) => fail(new Error(`the writer exited (${code}) before holding the store`)));
  });
  // Stopped once it has exited, so its lock is gone.
  return { stop: () => new Promise<void>((r) => { child.once('exit', () => r()); child.kill('SIGTERM'); }) };
}

describe('allot serve', () => {
  it('listens on 127.0.0.1 and answers /healthz without a token', async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(await get('/healthz')).toEqual({ status: 200, body: { status: 'ok' } });
  });

  it('answers a missing, malformed or unknown token with 401 and one line', async () => {
    expect(await get('/v1/teams')).toEqual({ status: 401, body: { error: 'missing bearer token: send "Authorization: Bearer <token>"' } });
    const basic = await fetch(`${server.url}/v1/teams`, { headers: { authorization: 'Basic abc' } });
    expect([basic.status, await basic.json()]).toEqual([401, { error: 'the Authorization header must be "Bearer <token>"' }]);
    expect(await get('/v1/teams', 'nope-0123456789abcdef')).toEqual({ status: 401, body: { error: 'token not recognised' } });
    expect(await get('/v1/nothing', ADMIN)).toEqual({ status: 404, body: { error: 'no such endpoint: GET /v1/nothing' } });
  });

  it('lists the teams a token may see, and the periods with their runs', async () => {
    expect((await get('/v1/teams', ADMIN)).body.map((t: { id: string }) => t.id)).toEqual(['payments', 'zebra', 'hostile', 'quokka']);
    expect((await get('/v1/teams', PAYMENTS)).body).toEqual([
      { id: 'payments', name: 'Payments', cost_center: 'CC-1001', gl_account: '6100', mode: 'chargeback', emails: ['pay-leads@example.com', 'pay-fin@example.com'] },
    ]);
    expect((await get('/v1/periods', PAYMENTS)).body).toEqual([
      { period: PERIOD, run_id: org.runs.current, closed: false, runs: 1 },
      { period: PREVIOUS, run_id: org.runs.previous, closed: false, runs: 1 },
    ]);
  });

  it("a team's daily cost by charge type and service adds up to its chargeback rows", async () => {
    const daily = await get(`/v1/teams/payments/daily?period=${PERIOD}`, PAYMENTS);
    expect(daily.status).toBe(200);
    expect(daily.body).toMatchObject({ period: PERIOD, run_id: org.runs.current, team_id: 'payments' });
    const rows = (await get(`/v1/runs/${org.runs.current}/chargeback`, PAYMENTS)).body as { team_id: string; charge_type: string; service: string; amount: string }[];
    expect(new Set(rows.map((r) => r.team_id))).toEqual(new Set(['payments']));
    const days = daily.body.days as { day: string; charge_type: string; service: string; amount: string }[];
    for (const r of rows.filter((x) => x.charge_type !== 'adjustment')) {
      const sum = sumDecimals(days.filter((d) => d.charge_type === r.charge_type && d.service === r.service).map((d) => d.amount), 12);
      // The CSV rounds each row to the cent (largest remainder): within one cent of the exact sum.
      expect(Math.abs(Number(sumDecimals([roundDecimal(sum, 2), `-${r.amount}`], 2))), `${r.charge_type} ${r.service}`).toBeLessThanOrEqual(0.01);
    }
    // The Amazon RDS line item is charged on day 3, directly.
    expect(days).toContainEqual({ day: '2026-10-03', charge_type: 'direct', service: 'Amazon RDS', currency: 'USD', amount: '1200.000000000000' });
    // The cluster's bill on days 1 and 15 reaches payments as kubernetes, idle and shared cost on those days.
    expect(new Set(days.filter((d) => d.charge_type === 'kubernetes').map((d) => d.day))).toEqual(new Set(['2026-10-01', '2026-10-15']));
  });

  it("the chargeback rows of a run: all for the admin, a team's own for its token", async () => {
    const all = (await get(`/v1/runs/${org.runs.current}/chargeback`, ADMIN)).body as { team_id: string }[];
    expect(new Set(all.map((r) => r.team_id))).toEqual(new Set(['hostile', 'payments', 'quokka', 'unallocated', 'zebra']));
    expect(await get('/v1/runs/999/chargeback', ADMIN)).toEqual({ status: 404, body: { error: 'no allocation run #999' } });
    expect(await get('/v1/runs/x/chargeback', ADMIN)).toEqual({ status: 400, body: { error: 'run "x" is not a run id' } });
  });

  it('explain as JSON; another team, an unknown team or a missing period are 403, 404 and 400', async () => {
    const e = await get(`/v1/teams/payments/explain?period=${PERIOD}`, PAYMENTS);
    expect(e.status).toBe(200);
    expect(e.body).toMatchObject({ period: PERIOD, run_id: org.runs.current, team_id: 'payments', team_name: 'Payments' });
    expect(e.body.pools.map((p: { pool: string }) => p.pool)).toEqual(['platform']);
    expect(await get(`/v1/teams/zebra/explain?period=${PERIOD}`, PAYMENTS)).toEqual({ status: 403, body: { error: 'this token reads team "payments" only' } });
    expect(await get(`/v1/teams/nobody/explain?period=${PERIOD}`, ADMIN)).toEqual({ status: 404, body: { error: 'unknown team "nobody"' } });
    expect(await get('/v1/teams/payments/explain', ADMIN)).toEqual({ status: 400, body: { error: 'missing query parameter period=YYYY-MM' } });
    expect(await get('/v1/teams/payments/explain?period=2026-13', ADMIN)).toEqual({ status: 400, body: { error: 'period "2026-13" is not a month like 2026-10' } });
    expect(await get('/v1/teams/payments/explain?period=2025-01', ADMIN)).toEqual({
      status: 404, body: { error: 'no allocation run for period 2025-01: run "allot attribute --period 2025-01" first' } });
  });

  it('the value report for the admin token only', async () => {
    const v = await get(`/v1/value?period=${PERIOD}`, ADMIN);
    expect(v.status).toBe(200);
    expect(v.body).toMatchObject({ period: PERIOD, run_id: org.runs.current, currency: 'USD' });
    expect(await get(`/v1/value?period=${PERIOD}`, ZEBRA)).toEqual({ status: 403, body: { error: "the value report (every team's figures) needs the admin token" } });
  });

  it('logs each request as a JSON line, without the token', async () => {
    await get('/v1/teams', PAYMENTS);
    const lines = logLines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toContainEqual(expect.objectContaining({ msg: 'request', method: 'GET', path: '/v1/teams', status: 200, scope: 'team:payments' }));
    expect(lines).toContainEqual(expect.objectContaining({ msg: 'request', path: '/v1/teams', status: 401 }));
    expect(logLines.join('')).not.toContain(PAYMENTS);
  });

  it('between requests the store is free: a writer in another process opens it at once', async () => {
    await get(`/v1/teams/payments/explain?period=${PERIOD}`, ADMIN);
    const w = await holdWriter(db);
    await w.stop();
  });

  it("while a writer in another process holds the store, it answers from the published snapshot", async () => {
    const w = await openForWrite(db, { waitMs: 10_000, what: 'test writer' });
    await publishSnapshot(w, 'test writer');
    w.close();
    const holder = await holdWriter(db);
    try {
      const r = await get(`/v1/teams/payments/daily?period=${PERIOD}`, ADMIN);
      expect(r.status).toBe(200);
      expect(r.body.run_id).toBe(org.runs.current);
      expect((await get('/v1/periods', ADMIN)).body).toHaveLength(2);
    } finally {
      await holder.stop();
    }
  });
});

describe('Cost Insights endpoints', () => {
  const iv = 'R2/P30D/2026-11-01';

  it('parses ISO 8601 repeating intervals, and answers a malformed one with 400', async () => {
    expect(parseIntervals(iv)).toMatchObject({
      repetitions: 2, start: '2026-09-02', end: '2026-11-01',
      buckets: [{ start: '2026-09-02', end: '2026-10-02' }, { start: '2026-10-02', end: '2026-11-01' }],
    });
    expect(parseIntervals('R1/P1M/2026-11-01').buckets).toEqual([{ start: '2026-10-01', end: '2026-11-01' }]);
    expect(parseIntervals('R3/P1W/2026-10-22').start).toBe('2026-10-01');
    for (const bad of ['R2/P30X/2026-11-01', 'P30D/2026-11-01', 'R2/P30D/2026-13-01', 'R0/P30D/2026-11-01', 'R2/P30D']) {
      const r = await get(`/v1/cost-insights/groups/payments/daily-cost?intervals=${encodeURIComponent(bad)}`, ADMIN);
      expect(r.status, bad).toBe(400);
      expect(r.body.error, bad).toMatch(/^intervals "/);
    }
    expect(await get('/v1/cost-insights/groups/payments/daily-cost', ADMIN)).toEqual({
      status: 400, body: { error: 'missing query parameter intervals (e.g. R2/P30D/2026-11-01)' } });
  });

  it('group daily cost: one point a day, the change between the intervals, grouped by charge type and service', async () => {
    const r = await get(`/v1/cost-insights/groups/payments/daily-cost?intervals=${iv}`, PAYMENTS);
    expect(r.status).toBe(200);
    const cost = r.body as Cost;
    expect(cost.id).toBe('payments');
    expect(cost.aggregation).toHaveLength(60);
    expect(cost.aggregation[0]).toEqual({ date: '2026-09-02', amount: expect.any(Number) });
    expect(cost.aggregation.find((a) => a.date === '2026-10-03')!.amount).toBeGreaterThanOrEqual(1200);
    const sum = (from: string, to: string) => cost.aggregation.filter((a) => a.date >= from && a.date < to).reduce((s, a) => s + a.amount, 0);
    expect(cost.change!.amount).toBeCloseTo(sum('2026-10-02', '2026-11-01') - sum('2026-09-02', '2026-10-02'), 1);
    expect(cost.change!.ratio).toBeCloseTo(cost.change!.amount / sum('2026-09-02', '2026-10-02'), 3);
    expect(Object.keys(cost.groupedCosts!)).toEqual(['charge-type', 'service']);
    expect(cost.groupedCosts!['charge-type']!.map((c) => c.id)).toEqual(['direct', 'idle', 'kubernetes', 'shared']);
    expect(await get(`/v1/cost-insights/groups/zebra/daily-cost?intervals=${iv}`, PAYMENTS)).toMatchObject({ status: 403 });
    expect(await get(`/v1/cost-insights/groups/nobody/daily-cost?intervals=${iv}`, ADMIN)).toEqual({ status: 404, body: { error: 'unknown team "nobody"' } });
  });

  it('the client returns what the plugin expects, from every endpoint', async () => {
    // `satisfies` is where typecheck holds the client to the published plugin's CostInsightsApi.
    const api = new AllotCostInsightsClient({ baseUrl: `${server.url}/`, token: async () => PAYMENTS }) satisfies CostInsightsApi;
    expect(await api.getLastCompleteBillingDate()).toBe('2026-10-20');
    expect(await api.getUserGroups('PAY-LEADS@example.com')).toEqual([{ id: 'payments', name: 'Payments' }]);
    expect(await api.getUserGroups('zebra-leads@example.com')).toEqual([]); // not this token's team
    expect(await api.getGroupProjects('payments')).toEqual([{ id: '111111111111' }]);
    const group = await api.getGroupDailyCost('payments', iv);
    expect((await get(`/v1/cost-insights/groups/payments/daily-cost?intervals=${iv}`, ADMIN)).body).toEqual(group);
    const entity = await api.getCatalogEntityDailyCost('group:default/payments', iv);
    expect(entity).toEqual({ ...group, id: 'group:default/payments' });
    const project = await api.getProjectDailyCost('111111111111', iv);
    expect(project.id).toBe('111111111111');
    expect(project.aggregation.find((a) => a.date === '2026-10-03')!.amount).toBe(1200);
    // No budget for payments, so only its unusual days (each far above a typical day of $0.00); test/api/alerts.test.ts has a budget's.
    const alerts = await api.getAlerts('payments');
    expect(alerts.map((a) => a.title)).toEqual([
      'Payments: Amazon RDS cost $1,200.00 on 2026-10-03, $1,200.00 above its typical day',
      'Payments: Amazon S3 cost $300.00 on 2026-10-10, $300.00 above its typical day',
      'Payments: Kubernetes (prod-eu) cost $280.43 on 2026-10-01, $280.43 above its typical day',
      'Payments: Kubernetes (prod-eu) cost $186.96 on 2026-10-15, $186.96 above its typical day',
    ]);
    expect(alerts.every((a) => a.subtitle.endsWith(`As of 2026-11-05, from allocation run #${org.runs.current}. Look closer: allot explain --period ${PERIOD} --team payments`))).toBe(true);
    await expect(api.getGroupDailyCost('zebra', iv)).rejects.toEqual(new AllotApiError(403, 'this token reads team "payments" only'));
    await expect(api.getCatalogEntityDailyCost('component:default/web', iv)).rejects.toMatchObject({ status: 404 });
    await expect(api.getDailyMetricData('m')).rejects.toThrow('Allot has no business metrics');
    await expect(new AllotCostInsightsClient({ baseUrl: server.url }).getAlerts('payments')).rejects.toMatchObject({ status: 401 });
    const admin = new AllotCostInsightsClient({ baseUrl: server.url, token: ADMIN });
    expect(await admin.getUserGroups('zebra-leads@example.com')).toEqual([{ id: 'zebra', name: 'Zebracorn Analytics' }]);
  });
});

describe('API tokens', () => {
  it('come from the environment, name known teams and are long enough', () => {
    const teams = ['payments'];
    expect(() => tokensFromEnv({}, teams)).toThrow('no API token: set ALLOT_API_ADMIN_TOKEN and/or ALLOT_API_TEAM_TOKENS');
    expect(() => tokensFromEnv({ ALLOT_API_ADMIN_TOKEN: 'short' }, teams)).toThrow('ALLOT_API_ADMIN_TOKEN: a token needs at least 16 characters');
    expect(() => tokensFromEnv({ ALLOT_API_TEAM_TOKENS: `ghost=${PAYMENTS}` }, teams)).toThrow('ALLOT_API_TEAM_TOKENS: unknown team "ghost"; teams: payments');
    expect(tokensFromEnv({ ALLOT_API_TEAM_TOKENS: `payments=${PAYMENTS}` }, teams).scopeOf(PAYMENTS)).toEqual({ kind: 'team', team: 'payments' });
  });
});

describe('allot serve, the command', () => {
  it('serves the store until SIGTERM, and refuses to start without a token', async () => {
    const cfg = join(dirname(db), 'allot.yaml');
    writeFileSync(cfg, orgYaml());
    await expect(startServe(['--db', db, '--config', cfg], { ALLOT_API_ADMIN_TOKEN: '', ALLOT_API_TEAM_TOKENS: '' }))
      .rejects.toThrow('no API token: set ALLOT_API_ADMIN_TOKEN and/or ALLOT_API_TEAM_TOKENS (team=token,…)');
    const s = await startServe(['--db', db, '--config', cfg], { ALLOT_API_TEAM_TOKENS: `zebra=${ZEBRA}` });
    try {
      expect(s.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const res = await fetch(`${s.url}/v1/teams`, { headers: { authorization: `Bearer ${ZEBRA}` } });
      expect((await res.json() as { id: string }[]).map((t) => t.id)).toEqual(['zebra']);
    } finally {
      expect(await s.stop()).toBe(0);
    }
  }, 60_000);
});

describe('a busy store without a snapshot', () => {
  it('is 503 with the reason once --wait-store is over', async () => {
    const store = await tempStore();
    const path = store.path;
    store.close();
    const r = new StoreReader(path, { waitMs: 0 });
    const s = await startServer({ reader: r, config: orgConfig().config, tokens: tokensFromEnv({ ALLOT_API_ADMIN_TOKEN: ADMIN }, ['payments']), log: pino({ level: 'silent' }) },
      { host: '127.0.0.1', port: 0 });
    const writer = await holdWriter(path);
    try {
      const res = await fetch(`${s.url}/v1/periods`, { headers: { authorization: `Bearer ${ADMIN}` } });
      expect(res.status).toBe(503);
      expect(((await res.json()) as { error: string }).error).toMatch(/^the store .* is busy: held by process \d+/);
    } finally {
      await writer.stop();
      await s.close();
      r.close();
    }
  });
});
