// Builds TeamForecast (./types.ts) for the open month from the run that speaks
// for it, with the queries in ./sql/ and the projection of ./project.ts.
import type { Config } from '../../config/schema.ts';
import type { Store } from '../../store/db.ts';
import { periodRunId, requirePeriodRunId } from '../../store/runs.ts';
import { sqlFolder } from '../../store/sql.ts';
import { percentChange, roundDecimal, subtractDecimal, sumDecimals } from '../../util/decimal.ts';
import { AllotError } from '../../util/errors.ts';
import { addMonths, daysIn, type Period } from '../../util/period.ts';
import { checkBudgetCurrency, teamBudgets, type TeamBudget } from '../budgets/budgets.ts';
import { divRound, fromUnits, projectSeries, toUnits, type SeriesForecast, type SeriesInput } from './project.ts';
import type { ChargeTypeForecast, IncompleteDay, ServiceDaily, TeamForecast } from './types.ts';

const sql = sqlFolder(new URL('./sql/', import.meta.url));

export interface ForecastOptions {
  team?: string;
  /** The day the forecast is made on, YYYY-MM-DD (default: today, UTC). */
  asOf?: string;
}

/** One team's series and what the alerts read besides the forecast. */
export interface TeamSeries {
  forecast: TeamForecast;
  budget: TeamBudget | null;
  /** Usage per day and service (main currency). */
  services: ServiceDaily[];
  /** Total series per charge type, as projected (for "since when"). */
  series: { charge_type: string; usage: (string | undefined)[]; one_off_days: bigint[]; undated: bigint; estimated: Set<number>; adjust: string; prior: SeriesInput['prior'] }[];
  /** "today" as a day of the month, and what the projection was given. */
  today: number;
  last_data_day: number;
  incomplete_days_setting: number;
  /** The run whose line-item owners are kept (null: none), and its cost measure. */
  owners_run: number | null;
  cost_metric: string;
}

interface Row { team_id: string; charge_type: string; service: string; currency: string; decimals: number; amount: string; src: string | null }
interface Daily { src: string; service: string; currency: string; day: number; kind: 'usage' | 'one-off'; estimated: boolean; cost: string }

/** Today as a day of `period` (1-based; past month end it keeps counting, before the month it is 1). */
export function dayOfPeriod(period: Period, asOf: string): number {
  const start = Date.parse(`${period}-01T00:00:00Z`);
  const t = Date.parse(`${asOf}T00:00:00Z`);
  if (Number.isNaN(t)) throw new AllotError(`not a date: "${asOf}" (YYYY-MM-DD)`);
  return Math.max(1, Math.round((t - start) / 86_400_000) + 1);
}

export async function buildForecasts(store: Store, config: Config, period: Period, opts: ForecastOptions = {}): Promise<TeamSeries[]> {
  const teams = opts.team === undefined ? config.teams : config.teams.filter((t) => t.id === opts.team);
  if (opts.team !== undefined && !teams.length) throw new AllotError(`unknown team "${opts.team}"; teams: ${config.teams.map((t) => t.id).join(', ')}`);
  const runId = await requirePeriodRunId(store, period);
  const run = (await store.one<{ cost_metric: string; owners_run: number | null; last_day: number }>(sql('run'), [runId]))!;
  const asOf = opts.asOf ?? new Date().toISOString().slice(0, 10);
  const today = dayOfPeriod(period, asOf);
  const days = daysIn(period);
  const incompleteDays = config.alerts?.incomplete_days ?? 2;

  const rows = await store.all<Row>(sql('team-rows'), [runId, opts.team ?? null]);
  const daily = run.owners_run === null ? [] : await store.all<Daily>(sql('source-daily'), [run.owners_run, run.cost_metric]);
  const bySrc = bySource(daily);
  const previous = await priorMonth(store, period, opts.team);

  const out: TeamSeries[] = [];
  for (const team of teams) {
    const mine = rows.filter((r) => r.team_id === team.id);
    const totals = new Map<string, bigint>();
    for (const r of mine) totals.set(r.currency, (totals.get(r.currency) ?? 0n) + toUnits(r.amount));
    const ranked = [...totals.entries()].sort((a, b) => (abs(b[1]) > abs(a[1]) ? 1 : abs(b[1]) < abs(a[1]) ? -1 : a[0].localeCompare(b[0])));
    const budget = (await teamBudgets(store, config, team.id, [period])).get(period) ?? null;
    const currency = ranked[0]?.[0] ?? budget?.currency ?? rows[0]?.currency ?? 'USD';
    const decimals = mine.find((r) => r.currency === currency)?.decimals ?? rows[0]?.decimals ?? config.currency_decimals;
    if (budget) checkBudgetCurrency(team.id, budget, currency);

    const { types, services } = accumulate(mine.filter((x) => x.currency === currency), bySrc, currency, days, Math.max(1, Math.min(Math.max(today - 1, run.last_day), days)));
    // The month before, as history for the first days of this one (its usage per charge type, same currency).
    const before = previous ? accumulate(previous.rows.filter((x) => x.team_id === team.id && x.currency === currency), previous.bySrc, currency, previous.days, previous.days) : undefined;
    const prior = before?.types;

    const budgetFor = (type: string) => budget?.by_charge_type[type] ?? null;
    const byType: ChargeTypeForecast[] = [];
    const series: TeamSeries['series'] = [];
    const incomplete = new Map<number, IncompleteDay['why']>();
    let daysLeft = Math.max(0, days - Math.min(today - 1, days));
    const sums = { mtd: [] as string[], forecast: [] as string[], low: [] as string[], high: [] as string[] };
    for (const [type, t] of [...types.entries()].sort((a, b) => order(a[0]) - order(b[0]))) {
      const usage = t.usage.map((u, i) => (t.has[i] ? fromUnits(u) : undefined));
      const p = prior?.get(type);
      const priorInput: SeriesInput['prior'] =
        p && previous ? { period: previous.period, usage: p.usage.map((u, i) => (p.has[i] ? fromUnits(u) : undefined)), lastDataDay: previous.lastDay, estimated: p.estimated } : undefined;
      const f = projectSeries({ period, days, today, usage, oneOff: fromUnits(t.oneOff), estimated: t.estimated, incompleteDays, lastDataDay: run.last_day, prior: priorInput });
      // The cost to date is the run's, exactly; the projection adds to it.
      const exact = fromUnits(t.exact);
      const adjust = subtractDecimal(exact, f.mtd, 12);
      const shift = (x: string) => sumDecimals([x, adjust], 12);
      series.push({ charge_type: type, usage, one_off_days: t.oneOffDays, undated: t.undated, estimated: t.estimated, adjust, prior: priorInput });
      for (const i of f.incomplete) if (!incomplete.has(i.day) || i.why !== 'recent') incomplete.set(i.day, i.why);
      daysLeft = f.days_left;
      const r = (x: string) => roundDecimal(x, decimals);
      byType.push({
        charge_type: type, mtd: r(exact), one_off: r(f.one_off), forecast: r(shift(f.forecast)), low: r(shift(f.low)), high: r(shift(f.high)),
        budget: budgetFor(type) === null ? null : r(budgetFor(type)!), method: describeMethod(f),
      });
      sums.mtd.push(exact);
      sums.forecast.push(shift(f.forecast));
      sums.low.push(shift(f.low));
      sums.high.push(shift(f.high));
    }
    const total = (xs: string[]) => roundDecimal(sumDecimals(xs, 12), decimals);
    const mtd = total(sums.mtd);
    const forecast = total(sums.forecast);
    const budgetAmount = budget ? roundDecimal(budget.amount, decimals) : null;
    out.push({
      forecast: {
        period,
        run_id: runId,
        as_of: asOf,
        team: { id: team.id, name: team.name },
        currency,
        decimals,
        mtd,
        forecast,
        low: total(sums.low),
        high: total(sums.high),
        budget: budget && budgetAmount !== null ? { amount: budgetAmount, source: budget.source } : null,
        forecast_percent: budgetAmount === null ? null : percentOfBudget(forecast, budgetAmount),
        mtd_percent: budgetAmount === null ? null : percentOfBudget(mtd, budgetAmount),
        forecast_variance: budgetAmount === null ? null : subtractDecimal(forecast, budgetAmount, decimals),
        by_charge_type: byType,
        incomplete_days: [...incomplete.entries()].sort((a, b) => a[0] - b[0]).map(([d, why]) => ({ day: `${period}-${String(d).padStart(2, '0')}`, why })),
        days_left: daysLeft,
        other_currencies: ranked.slice(1).map(([c, u]) => ({ currency: c, mtd: roundDecimal(fromUnits(u), mine.find((r) => r.currency === c)?.decimals ?? 2) })),
      },
      budget,
      services: [...services.entries()].map(([service, s]) => {
        const p = before?.services.get(service);
        return {
          service, charge_types: [...s.types].sort(), usage: s.usage.map((u, i) => (s.has[i] ? fromUnits(u) : undefined)),
          ...(p && previous ? { prior: { period: previous.period, usage: p.usage.map((u, i) => (p.has[i] ? fromUnits(u) : undefined)), last_data_day: previous.lastDay } } : {}),
        };
      }),
      series,
      today,
      last_data_day: run.last_day,
      incomplete_days_setting: incompleteDays,
      owners_run: run.owners_run,
      cost_metric: run.cost_metric,
    });
  }
  return out;
}


type Types = Map<string, { usage: bigint[]; has: boolean[]; oneOff: bigint; oneOffDays: bigint[]; undated: bigint; estimated: Set<number>; exact: bigint }>;
type Services = Map<string, { usage: bigint[]; has: boolean[]; types: Set<string> }>;

function bySource(daily: Daily[]): Map<string, Daily[]> {
  // Per source and currency: its days (a share is taken of their total).
  const out = new Map<string, Daily[]>();
  for (const d of daily) {
    const k = `${d.src}\u0000${d.currency}`;
    out.set(k, [...(out.get(k) ?? []), d]);
  }
  return out;
}

/** One team's rows (one currency) as daily series: per charge type usage, one-offs, estimated days; per service usage. */
function accumulate(mine: Row[], bySrc: Map<string, Daily[]>, currency: string, days: number, billed: number): { types: Types; services: Services } {
  const types: Types = new Map();
  const services: Services = new Map();
  for (const r of mine) {
    const t = types.get(r.charge_type) ?? {
      usage: Array<bigint>(days).fill(0n), has: Array<boolean>(days).fill(false), oneOff: 0n, oneOffDays: Array<bigint>(days).fill(0n), undated: 0n,
      estimated: new Set<number>(), exact: 0n,
    };
    types.set(r.charge_type, t);
    t.exact += toUnits(r.amount);
    const sv = services.get(r.service) ?? { usage: Array<bigint>(days).fill(0n), has: Array<boolean>(days).fill(false), types: new Set<string>() };
    const amount = toUnits(r.amount);
    const src = r.src === null ? undefined : bySrc.get(`${r.src}\u0000${currency}`);
    // The team's own line items date a direct row exactly; a cluster's or pool's share follows its source's days.
    const parts = r.charge_type === 'direct' ? (src ?? []).filter((d) => d.service === r.service) : (src ?? []);
    const srcTotal = parts.reduce((a, d) => a + toUnits(d.cost), 0n);
    if (r.src === null || r.charge_type === 'adjustment') {
      t.oneOff += amount;
      t.undated += amount;
      continue;
    }
    services.set(r.service, sv);
    sv.types.add(r.charge_type);
    if (parts.length === 0 || (r.charge_type !== 'direct' && srcTotal === 0n)) {
      // No dated cost to follow: spread evenly over the billed days, as usage.
      for (let d = 1; d <= billed; d++) {
        const share = divRound(amount, BigInt(billed));
        addAt(t.usage, d - 1, share);
        t.has[d - 1] = true;
        addAt(sv.usage, d - 1, share);
        sv.has[d - 1] = true;
      }
      continue;
    }
    for (const d of parts) {
      const share = r.charge_type === 'direct' ? toUnits(d.cost) : divRound(amount * toUnits(d.cost), srcTotal);
      if (d.estimated) t.estimated.add(d.day);
      if (d.kind === 'one-off') {
        t.oneOff += share;
        addAt(t.oneOffDays, d.day - 1, share);
      }
      else {
        addAt(t.usage, d.day - 1, share);
        t.has[d.day - 1] = true;
        addAt(sv.usage, d.day - 1, share);
        sv.has[d.day - 1] = true;
      }
    }
  }
  return { types, services };
}

interface Prior {
  period: Period;
  days: number;
  rows: Row[];
  bySrc: Map<string, Daily[]>;
  lastDay: number;
}

/** The month before (its run and dated series), the history of this month's first days; undefined without a run that keeps its owners. */
async function priorMonth(store: Store, period: Period, team: string | undefined): Promise<Prior | undefined> {
  const prev = addMonths(period, -1);
  const runId = await periodRunId(store, prev);
  if (runId === undefined) return undefined;
  const run = await store.one<{ cost_metric: string; owners_run: number | null; last_day: number }>(sql('run'), [runId]);
  if (!run || run.owners_run === null) return undefined;
  const rows = await store.all<Row>(sql('team-rows'), [runId, team ?? null]);
  const daily = await store.all<Daily>(sql('source-daily'), [run.owners_run, run.cost_metric]);
  return { period: prev, days: daysIn(prev), rows, bySrc: bySource(daily), lastDay: run.last_day };
}

const abs = (x: bigint) => (x < 0n ? -x : x);
const addAt = (xs: bigint[], i: number, v: bigint) => {
  xs[i] = (xs[i] ?? 0n) + v;
};
const ORDER = ['direct', 'kubernetes', 'idle', 'shared', 'adjustment'];
const order = (t: string) => (ORDER.includes(t) ? ORDER.indexOf(t) : ORDER.length);

/** amount as % of budget with one decimal ("104.2"); null for a zero budget. */
export function percentOfBudget(amount: string, budget: string): string | null {
  const p = percentChange(amount, budget);
  if (p === null) return null;
  // percentChange gives (a − b) / |b| in %; + 100 is a / b for a positive budget.
  return sumDecimals([p, '100'], 1);
}

function describeMethod(f: SeriesForecast): string {
  switch (f.method) {
    case 'weekday-pattern':
      return `weekday pattern of ${f.basis_days.length} complete days`;
    case 'recent-days':
      return `mean of the last ${f.basis_days.length} complete day${f.basis_days.length === 1 ? '' : 's'}`;
    case 'no-complete-day':
      return 'no complete day yet: cost to date only';
    default:
      return 'month over: cost as billed';
  }
}
