// When an alert fires, for one team and the open month (each at most once per
// key: the send log keeps what was sent, see src/deliver/alerts.ts):
//
// - forecast:T  the forecast to month end is at or over T % of the budget
//               (config alerts.thresholds, default 80 and 100);
// - mtd:100     the cost to date is at or over the budget;
// - anomaly:DAY:SERVICE  a complete day's usage cost of one service is at least
//               alerts.anomaly.min_amount above the median of up to
//               history_days complete days before it (the month before's
//               too, when it has a run; 7 at least), and at
//               least `mads` median absolute deviations above it. A run of
//               such days is one event: only its first day alerts.
//
// All comparisons are exact (BigInt units of 10^-12), on the figures as printed.
import type { Config } from '../../config/schema.ts';
import type { Store } from '../../store/db.ts';
import { sqlFolder } from '../../store/sql.ts';
import { roundDecimal, subtractDecimal } from '../../util/decimal.ts';
import { daysIn } from '../../util/period.ts';
import type { TeamSeries } from '../forecast/build.ts';
import { divRound, fromUnits, projectSeries, toUnits } from '../forecast/project.ts';
import type { Alert, AnomalyAlert, Behind, ForecastAlert, MtdAlert } from './types.ts';

const sql = sqlFolder(new URL('./sql/', import.meta.url));

export const DEFAULT_THRESHOLDS = [80, 100];
const MIN_HISTORY = 7;

export interface DetectOptions {
  /** How many items "behind it" to list (default 5). */
  behind?: number;
}

export async function detectAlerts(store: Store, config: Config, all: readonly TeamSeries[], opts: DetectOptions = {}): Promise<Alert[]> {
  const out: Alert[] = [];
  const top = opts.behind ?? 5;
  for (const s of all) {
    const f = s.forecast;
    const base = {
      period: f.period, run_id: f.run_id, as_of: f.as_of, team: f.team, currency: f.currency, decimals: f.decimals,
      explain: `allot explain --period ${f.period} --team ${f.team.id}`,
    };
    const r = (x: string) => roundDecimal(x, f.decimals);
    let monthBehind: Behind[] | undefined;
    const behindMonth = async () =>
      (monthBehind ??= s.owners_run === null ? [] : rounded(await store.all<Behind>(sql('behind-month'), [s.owners_run, f.run_id, f.team.id, f.currency, s.cost_metric, top]), f.decimals));

    if (f.budget) {
      const budget = toUnits(f.budget.amount);
      const forecast = toUnits(f.forecast);
      const history = forecastHistory(s);
      for (const t of [...(config.alerts?.thresholds ?? DEFAULT_THRESHOLDS)].sort((a, b) => a - b)) {
        if (forecast * 100n < budget * BigInt(t)) continue;
        const at = (x: bigint) => x * 100n >= budget * BigInt(t);
        // The earliest day from which every forecast up to today was at or over the threshold.
        let since = s.today;
        for (let d = history.length - 1; d >= 0 && at(history[d]!.forecast); d--) since = history[d]!.day;
        const a: ForecastAlert = {
          ...base, kind: 'forecast', key: `forecast:${t}`, threshold: t, budget: f.budget.amount, budget_source: f.budget.source,
          threshold_amount: r(fromUnits(divRound(budget * BigInt(t), 100n))), forecast: f.forecast, low: f.low, high: f.high,
          percent: f.forecast_percent ?? '', mtd: f.mtd, since: dayText(f.period, since), behind: await behindMonth(),
        };
        out.push(a);
      }
      if (toUnits(f.mtd) >= budget) {
        const a: MtdAlert = {
          ...base, kind: 'mtd', key: 'mtd:100', threshold: 100, budget: f.budget.amount, budget_source: f.budget.source, mtd: f.mtd,
          percent: f.mtd_percent ?? '', over_by: subtractDecimal(f.mtd, f.budget.amount, f.decimals),
          since: dayText(f.period, crossingDay(s, budget)), behind: await behindMonth(),
        };
        out.push(a);
      }
    }

    for (const a of anomalies(s, config)) {
      const cluster = /^Kubernetes \((.*)\)$/.exec(a.service)?.[1];
      const behind =
        s.owners_run === null ? []
        : cluster !== undefined ? await store.all<Behind>(sql('behind-cluster'), [f.run_id, f.team.id, f.currency, cluster, top])
        : await store.all<Behind>(sql('behind-day'), [s.owners_run, f.team.id, f.currency, a.service, a.day, s.cost_metric, top]);
      out.push({ ...base, ...a, behind: rounded(behind, f.decimals) });
    }
  }
  return out;
}

const rounded = (xs: Behind[], decimals: number): Behind[] => xs.map((x) => ({ ...x, amount: roundDecimal(x.amount, decimals) }));
const dayText = (period: string, day: number) => `${period}-${String(Math.min(day, daysIn(period))).padStart(2, '0')}`;

/** The team's total forecast as it would have been made on each day 2 … today, from the days billed before it. */
function forecastHistory(s: TeamSeries): { day: number; forecast: bigint }[] {
  const days = daysIn(s.forecast.period);
  const out: { day: number; forecast: bigint }[] = [];
  for (let asOf = 2; asOf <= Math.min(s.today, days + 1); asOf++) {
    let total = 0n;
    for (const t of s.series) {
      const seen = (i: number) => i + 1 < asOf;
      const oneOff = t.one_off_days.reduce((a, v, i) => (seen(i) ? a + v : a), t.undated) + toUnits(t.adjust);
      const p = projectSeries({
        period: s.forecast.period, days, today: asOf,
        usage: t.usage.map((u, i) => (seen(i) ? u : undefined)),
        oneOff: fromUnits(oneOff), estimated: t.estimated, incompleteDays: s.incomplete_days_setting,
        lastDataDay: Math.min(s.last_data_day, asOf - 1),
        prior: t.prior,
      });
      total += toUnits(p.forecast);
    }
    // As printed: rounded to the currency's decimals.
    out.push({ day: asOf, forecast: toUnits(roundDecimal(fromUnits(total), s.forecast.decimals)) });
  }
  return out;
}

/** The day whose cost took the month's cost to date to the budget. */
function crossingDay(s: TeamSeries, budget: bigint): number {
  const days = daysIn(s.forecast.period);
  let total = s.series.reduce((a, t) => a + t.undated + toUnits(t.adjust), 0n);
  for (let d = 1; d <= days; d++) {
    for (const t of s.series) total += (t.usage[d - 1] === undefined ? 0n : toUnits(t.usage[d - 1]!)) + (t.one_off_days[d - 1] ?? 0n);
    if (total >= budget) return d;
  }
  return Math.min(s.today - 1, days);
}

type AnomalyFields = Omit<AnomalyAlert, 'period' | 'run_id' | 'as_of' | 'team' | 'currency' | 'decimals' | 'explain' | 'behind'>;

function median(xs: bigint[]): bigint {
  const v = [...xs].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const m = Math.floor(v.length / 2);
  return v.length % 2 ? v[m]! : divRound(v[m - 1]! + v[m]!, 2n);
}

function anomalies(s: TeamSeries, config: Config): AnomalyFields[] {
  const a = config.alerts?.anomaly;
  const minAmount = toUnits(a?.min_amount ?? '50');
  const mads1000 = BigInt(Math.round((a?.mads ?? 4) * 1000));
  const historyDays = a?.history_days ?? 14;
  const period = s.forecast.period;
  const days = daysIn(period);
  const estimated = new Set(s.series.flatMap((t) => [...t.estimated]));
  // Complete days: billed, not among the last incomplete_days, with data, not Estimated.
  const complete: number[] = [];
  for (let d = 1; d <= Math.min(s.today - 1 - s.incomplete_days_setting, days, s.last_data_day); d++) if (!estimated.has(d)) complete.push(d);

  const out: AnomalyFields[] = [];
  for (const sv of s.services) {
    const cost = (d: number) => (sv.usage[d - 1] === undefined ? 0n : toUnits(sv.usage[d - 1]!));
    // The month before's complete days come first (those final by now), so a month's first days have a history too.
    const earlier: { day: string; v: bigint }[] = [];
    if (sv.prior) {
      const n = sv.prior.usage.length;
      for (let d = 1; d <= Math.min(sv.prior.last_data_day, n); d++) {
        if (d - n > s.today - 1 - s.incomplete_days_setting) continue;
        earlier.push({ day: dayText(sv.prior.period, d), v: sv.prior.usage[d - 1] === undefined ? 0n : toUnits(sv.prior.usage[d - 1]!) });
      }
    }
    let previousFired = false;
    for (const [i, d] of complete.entries()) {
      const before = [...earlier, ...complete.slice(0, i).map((c) => ({ day: dayText(period, c), v: cost(c) }))].slice(-historyDays);
      if (before.length < MIN_HISTORY) continue;
      const x = cost(d);
      const vals = before.map((b) => b.v);
      const m = median(vals);
      const mad = median(vals.map((v) => (v > m ? v - m : m - v)));
      const excess = x - m;
      const fires = excess > 0n && excess >= minAmount && excess * 1000n >= mads1000 * mad;
      // A run of anomalous days is one event, told on its first day.
      if (fires && !(previousFired && complete[i - 1] === d - 1)) {
        const r = (u: bigint) => roundDecimal(fromUnits(u), s.forecast.decimals);
        out.push({
          kind: 'anomaly', key: `anomaly:${dayText(period, d)}:${sv.service}`, day: dayText(period, d), service: sv.service, charge_types: sv.charge_types,
          amount: r(x), typical: r(m), excess: r(excess), mad: r(mad),
          history: { days: before.length, from: before[0]!.day, to: before.at(-1)!.day },
        });
      }
      previousFired = fires;
    }
  }
  return out;
}
