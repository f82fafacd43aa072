// `allot serve`: a read-only HTTP API over the store (README "Read API and
// Backstage"). JSON in and out; every answer that is not a 2xx is
// {"error": "<one line>"}.
import { serve as listen, type ServerType } from '@hono/node-server';
import { Hono, type Context } from 'hono';
import type { Group, Project } from '@backstage/plugin-cost-insights-common';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { Config } from '../config/schema.ts';
import { currentAlerts } from '../deliver/alerts.ts';
import { explain } from '../explain/explain.ts';
import { focusDaily, type DailyCost } from '../export/focus/index.ts';
import { chargebackRows } from '../model/chargeback.ts';
import { buildValueReport } from '../model/value/index.ts';
import { StoreBusyError } from '../store/access.ts';
import type { Store } from '../store/db.ts';
import { periodRunId } from '../store/runs.ts';
import { sqlFolder } from '../store/sql.ts';
import { sumDecimals } from '../util/decimal.ts';
import { AllotError } from '../util/errors.ts';
import { isPeriod } from '../util/period.ts';
import { costInsightsAlert, costOf, MixedCurrencyError } from './cost-insights.ts';
import { BadIntervalError, monthsBetween, parseIntervals, type Intervals } from './intervals.ts';
import type { StoreReader } from './reader.ts';
import type { Scope, TokenTable } from './tokens.ts';

const sql = sqlFolder(new URL('./sql/', import.meta.url));

/** An answer with a 4xx status and a one-line reason. */
export class HttpError extends Error {
  constructor(readonly status: 400 | 401 | 403 | 404 | 422, message: string) {
    super(message);
  }
}

export interface ApiDeps {
  reader: StoreReader;
  config: Config;
  tokens: TokenTable;
  log: Logger;
  /** Now: the day alerts are computed as of, and which recent days vendors are still billing (default: the system clock; UTC). */
  clock?: () => Date;
}

type Env = { Variables: { scope: Scope } };

export function createApp(deps: ApiDeps): Hono<Env> {
  const { reader, config, tokens, log } = deps;
  const clock = deps.clock ?? (() => new Date());
  // The daily costs of a run, built once per store version and period (FOCUS rows, see export/focus).
  const dailyCache = new Map<string, Promise<{ runId: number; rows: DailyCost[] }>>();

  const app = new Hono<Env>();

  app.use('*', async (c, next) => {
    const started = process.hrtime.bigint();
    await next();
    const scope = c.get('scope');
    log.info({
      method: c.req.method, path: c.req.path, status: c.res.status,
      ms: Number((process.hrtime.bigint() - started) / 1000n) / 1000,
      scope: scope ? (scope.kind === 'admin' ? 'admin' : `team:${scope.team}`) : undefined,
    }, 'request');
  });

  app.onError((e, c) => {
    if (e instanceof HttpError) return c.json({ error: e.message }, e.status);
    if (e instanceof BadIntervalError) return c.json({ error: e.message }, 400);
    if (e instanceof MixedCurrencyError) return c.json({ error: e.message }, 422);
    // A writer held the store for longer than --wait-store and published no snapshot: try again later.
    if (e instanceof StoreBusyError) return c.json({ error: e.message }, 503);
    if (e instanceof AllotError) return c.json({ error: e.message.split('\n')[0] }, /no allocation run|has no cost/.test(e.message) ? 404 : 422);
    log.error({ err: { message: e.message, name: e.name }, path: c.req.path }, 'request failed');
    return c.json({ error: 'internal error (logged by the server)' }, 500);
  });
  app.notFound((c) => c.json({ error: `no such endpoint: ${c.req.method} ${c.req.path}` }, 404));

  app.get('/healthz', (c) => c.json({ status: 'ok' }));

  app.use('/v1/*', async (c, next) => {
    const auth = c.req.header('authorization');
    if (!auth) throw new HttpError(401, 'missing bearer token: send "Authorization: Bearer <token>"');
    const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    if (!m) throw new HttpError(401, 'the Authorization header must be "Bearer <token>"');
    const scope = tokens.scopeOf(m[1]!);
    if (!scope) throw new HttpError(401, 'token not recognised');
    c.set('scope', scope);
    await next();
  });

  /** The team a request names, if it exists and the token may read it. */
  const team = (c: Context<Env>, id: string) => {
    const t = config.teams.find((x) => x.id === id);
    if (!t) throw new HttpError(404, `unknown team "${id}"`);
    const scope = c.get('scope');
    if (scope.kind === 'team' && scope.team !== id) throw new HttpError(403, `this token reads team "${scope.team}" only`);
    return t;
  };
  const adminOnly = (c: Context<Env>, what: string) => {
    if (c.get('scope').kind !== 'admin') throw new HttpError(403, `${what} needs the admin token`);
  };
  const periodParam = (c: Context<Env>) => {
    const p = c.req.query('period');
    if (!p) throw new HttpError(400, 'missing query parameter period=YYYY-MM');
    if (!isPeriod(p)) throw new HttpError(400, `period "${p}" is not a month like 2026-10`);
    return p;
  };
  const intervalsParam = (c: Context<Env>): Intervals => {
    const iv = c.req.query('intervals');
    if (!iv) throw new HttpError(400, 'missing query parameter intervals (e.g. R2/P30D/2026-11-01)');
    return parseIntervals(iv);
  };
  let cachedVersion = '';
  const daily = (store: Store, version: string, period: string) => {
    // A new version of the store (a write, a new snapshot) makes every cached day stale.
    if (version !== cachedVersion) {
      dailyCache.clear();
      cachedVersion = version;
    }
    const key = `${version}|${period}`;
    let p = dailyCache.get(key);
    if (!p) {
      p = focusDaily(store, period);
      dailyCache.set(key, p);
      p.catch(() => dailyCache.delete(key));
    }
    return p;
  };
  /**
   * A team's alerts as they stand (nothing is sent): for ?period= or else the
   * newest period with a run, as of ?as_of= or else today (UTC).
   */
  const alertsOf = (c: Context<Env>, teamId: string) => {
    const p = c.req.query('period');
    if (p && !isPeriod(p)) throw new HttpError(400, `period "${p}" is not a month like 2026-10`);
    const asOfQ = c.req.query('as_of');
    const day = asOfQ === undefined ? NaN : Date.parse(`${asOfQ}T00:00:00Z`);
    // Round-tripped, so 2026-02-30 is refused rather than read as March 2.
    if (asOfQ !== undefined && !(/^\d{4}-\d{2}-\d{2}$/.test(asOfQ) && !Number.isNaN(day) && new Date(day).toISOString().startsWith(asOfQ))) {
      throw new HttpError(400, `as_of "${asOfQ}" is not a day like 2026-10-15`);
    }
    const asOf = asOfQ ?? clock().toISOString().slice(0, 10);
    return reader.read(async (store) => {
      const period = p || (await store.one<{ period: string | null }>(sql('latest-period')))?.period;
      if (!period) throw new HttpError(404, 'no allocation run yet: run "allot attribute" first');
      const alerts = await currentAlerts(store, config, { period, team: teamId, asOf });
      return { period, run_id: (await periodRunId(store, period))!, as_of: asOf, team_id: teamId, alerts };
    });
  };
  /** Every daily cost of the months the intervals touch that have a run. */
  const dailyIn = (iv: Intervals) =>
    reader.read(async (store, version) => {
      const rows: DailyCost[] = [];
      for (const period of monthsBetween(iv.start, iv.end)) {
        if ((await periodRunId(store, period)) === undefined) continue;
        rows.push(...(await daily(store, version, period)).rows);
      }
      return rows;
    });

  app.get('/v1/teams', (c) => {
    const scope = c.get('scope');
    return c.json(config.teams
      .filter((t) => scope.kind === 'admin' || t.id === scope.team)
      .map((t) => ({ id: t.id, name: t.name, cost_center: t.cost_center, gl_account: t.gl_account, mode: t.mode, emails: t.emails })));
  });

  app.get('/v1/periods', async (c) => c.json(await reader.read((store) => store.all(sql('periods')))));

  app.get('/v1/teams/:team/daily', async (c) => {
    const t = team(c, c.req.param('team'));
    const period = periodParam(c);
    const { runId, rows } = await reader.read(async (store, version) => daily(store, version, period));
    // Summed over sub-accounts: per day, charge type, service and currency.
    const days = new Map<string, { day: string; charge_type: string; service: string; currency: string; parts: string[] }>();
    for (const r of rows.filter((x) => x.team_id === t.id)) {
      const k = `${r.day}\u0000${r.charge_type}\u0000${r.service}\u0000${r.currency}`;
      const d = days.get(k) ?? { day: r.day, charge_type: r.charge_type, service: r.service, currency: r.currency, parts: [] };
      d.parts.push(r.amount);
      days.set(k, d);
    }
    return c.json({
      period, run_id: runId, team_id: t.id,
      note: 'amount is exact (12 decimals): the day of each charge, split charges included; adjustments of closed periods are not in it',
      days: [...days.values()].map(({ parts, ...d }) => ({ ...d, amount: sumDecimals(parts, 12) })),
    });
  });

  app.get('/v1/runs/:run/chargeback', async (c) => {
    const runId = Number(c.req.param('run'));
    if (!Number.isInteger(runId) || runId < 1) throw new HttpError(400, `run "${c.req.param('run')}" is not a run id`);
    const scope = c.get('scope');
    const rows = await reader.read(async (store) => {
      if (!(await store.one(sql('run-exists'), [runId]))) throw new HttpError(404, `no allocation run #${runId}`);
      return chargebackRows(store, runId);
    });
    return c.json(scope.kind === 'admin' ? rows : rows.filter((r) => r.team_id === scope.team));
  });

  app.get('/v1/teams/:team/explain', async (c) => {
    const t = team(c, c.req.param('team'));
    const period = periodParam(c);
    return c.json(await reader.read((store) => explain(store, period, t.id)));
  });

  app.get('/v1/teams/:team/alerts', async (c) => {
    const t = team(c, c.req.param('team'));
    return c.json(await alertsOf(c, t.id));
  });

  app.get('/v1/value', async (c) => {
    adminOnly(c, 'the value report (every team\'s figures)');
    const period = periodParam(c);
    return c.json(await reader.read((store) => buildValueReport(store, config, period)));
  });

  // Backstage Cost Insights: one endpoint per CostInsightsApi method (src/api/cost-insights-client.ts).
  app.get('/v1/cost-insights/last-complete-billing-date', async (c) => {
    const r = await reader.read((store) => store.one<{ date: string | null }>(sql('last-complete-day')));
    if (!r?.date) throw new HttpError(404, 'no attributed period yet: run "allot attribute" first');
    // The last days are still being billed (Cost Explorer marks them Estimated): never later than alerts.incomplete_days before today.
    const today = clock();
    const settled = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() - (config.alerts?.incomplete_days ?? 2) - 1));
    const cap = settled.toISOString().slice(0, 10);
    return c.json({ date: r.date < cap ? r.date : cap });
  });

  app.get('/v1/cost-insights/user-groups', (c) => {
    const user = c.req.query('userId');
    if (!user) throw new HttpError(400, 'missing query parameter userId');
    const scope = c.get('scope');
    const groups: Group[] = config.teams
      .filter((t) => t.emails.some((e) => e.toLowerCase() === user.toLowerCase()))
      .filter((t) => scope.kind === 'admin' || t.id === scope.team)
      .map((t) => ({ id: t.id, name: t.name }));
    return c.json(groups);
  });

  app.get('/v1/cost-insights/groups/:group/projects', async (c) => {
    const t = team(c, c.req.param('group'));
    const projects: Project[] = (await reader.read((store) => store.all<{ id: string; name: string | null }>(sql('team-projects'), [t.id])))
      .map((p) => (p.name ? { id: p.id, name: p.name } : { id: p.id }));
    return c.json(projects);
  });

  app.get('/v1/cost-insights/groups/:group/daily-cost', async (c) => {
    const t = team(c, c.req.param('group'));
    const iv = intervalsParam(c);
    return c.json(costOf(t.id, (await dailyIn(iv)).filter((r) => r.team_id === t.id), iv));
  });

  app.get('/v1/cost-insights/projects/:project/daily-cost', async (c) => {
    const project = c.req.param('project');
    const iv = intervalsParam(c);
    const scope = c.get('scope');
    const rows = (await dailyIn(iv)).filter((r) => r.sub_account_id === project && (scope.kind === 'admin' || r.team_id === scope.team));
    return c.json(costOf(project, rows, iv));
  });

  app.get('/v1/cost-insights/catalog-entity-daily-cost', async (c) => {
    const ref = c.req.query('entityRef');
    if (!ref) throw new HttpError(400, 'missing query parameter entityRef (e.g. group:default/payments)');
    const m = /^(?:([a-z]+):)?(?:[^/:]+\/)?([^/:]+)$/i.exec(ref);
    if (!m || (m[1] !== undefined && m[1].toLowerCase() !== 'group')) {
      throw new HttpError(404, `entity "${ref}" has no cost in Allot: only groups (teams), as group:<namespace>/<team id>`);
    }
    const t = team(c, m[2]!);
    const iv = intervalsParam(c);
    return c.json(costOf(ref, (await dailyIn(iv)).filter((r) => r.team_id === t.id), iv));
  });

  app.get('/v1/cost-insights/groups/:group/alerts', async (c) => {
    const t = team(c, c.req.param('group'));
    // The plugin asks without a month: the newest period with a run, as of today.
    return c.json((await alertsOf(c, t.id)).alerts.map(costInsightsAlert));
  });

  return app;
}

export interface RunningServer {
  url: string;
  close(): Promise<void>;
}

/** Starts the API on host:port (port 0: any free one). */
export function startServer(deps: ApiDeps, o: { host: string; port: number }): Promise<RunningServer> {
  const app = createApp(deps);
  return new Promise((resolve) => {
    const server: ServerType = listen({ fetch: app.fetch, hostname: o.host, port: o.port }, (info: AddressInfo) => {
      const host = info.family === 'IPv6' ? `[${info.address}]` : info.address;
      resolve({
        url: `http://${host}:${info.port}`,
        close: () => new Promise<void>((r) => server.close(() => r())),
      });
    });
  });
}
