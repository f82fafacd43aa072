// Cost Insights' shapes (the published @backstage/plugin-cost-insights-common
// types) from Allot's daily costs. Pure: the server passes the rows in.
import type { ChangeStatistic, Cost, DateAggregation } from '@backstage/plugin-cost-insights-common';
import type { DailyCost } from '../export/focus/index.ts';
import type { Alert as AllotAlert } from '../model/alerts/types.ts';
import { renderAlert } from '../render/alerts/render.ts';
import { roundDecimal, subtractDecimal, sumDecimals } from '../util/decimal.ts';
import type { Alert } from './cost-insights-client.ts';
import { daysBetween, type Intervals } from './intervals.ts';

/** Cost Insights shows one currency; costs in several cannot be added up. */
export class MixedCurrencyError extends Error {}

function change(byDay: Map<string, string>, iv: Intervals): ChangeStatistic {
  const sums = iv.buckets.map((b) => sumDecimals(daysBetween(b.start, b.end).map((d) => byDay.get(d) ?? '0'), 12));
  const last = sums[sums.length - 1]!;
  const prev = sums.length > 1 ? sums[sums.length - 2]! : '0';
  const amount = Number(roundDecimal(subtractDecimal(last, prev, 12), 2));
  const p = Number(prev);
  return p === 0 ? { amount } : { amount, ratio: (Number(last) - p) / Math.abs(p) };
}

function series(rows: DailyCost[], iv: Intervals): { aggregation: DateAggregation[]; change: ChangeStatistic } {
  const byDay = new Map<string, string>();
  for (const r of rows) byDay.set(r.day, sumDecimals([byDay.get(r.day) ?? '0', r.amount], 12));
  // A day is rounded to the cent on its own: days add up to the total ± rounding.
  const aggregation = daysBetween(iv.start, iv.end).map((date) => ({ date, amount: Number(roundDecimal(byDay.get(date) ?? '0', 2)) }));
  return { aggregation, change: change(byDay, iv) };
}

function grouped(rows: DailyCost[], iv: Intervals, key: (r: DailyCost) => string): Cost[] {
  const groups = new Map<string, DailyCost[]>();
  for (const r of rows) groups.set(key(r), [...(groups.get(key(r)) ?? []), r]);
  return [...groups.keys()].sort().map((id) => ({ id, ...series(groups.get(id)!, iv) }));
}

/**
 * A Cost over the intervals: one aggregation per day of [start, end) (0 where
 * no run of Allot has cost that day), the change between the last two
 * intervals, and the same per charge type and per service in groupedCosts.
 */
export function costOf(id: string, rows: DailyCost[], iv: Intervals): Cost {
  const inRange = rows.filter((r) => r.day >= iv.start && r.day < iv.end);
  const currencies = [...new Set(inRange.map((r) => r.currency))].sort();
  if (currencies.length > 1) throw new MixedCurrencyError(`the costs of ${id} are in several currencies (${currencies.join(', ')}); Cost Insights shows one`);
  return {
    id,
    ...series(inRange, iv),
    groupedCosts: { 'charge-type': grouped(inRange, iv, (r) => r.charge_type), service: grouped(inRange, iv, (r) => r.service) },
  };
}

/**
 * An Allot alert as the plugin's Alert: the title is the alert email's
 * subject, the subtitle its "what moved, by how much, since when" lines, the
 * day and run it was computed from, and the `allot explain` command to look
 * closer (a command, not a link: so no `url`).
 */
export function costInsightsAlert(a: AllotAlert): Alert {
  const r = renderAlert(a);
  const lines = r.sections.filter((s) => ['What moved', 'By how much', 'Since when'].includes(s.title)).flatMap((s) => s.lines);
  return {
    title: r.subject.replace(/^\[Allot\] /, ''),
    subtitle: [...lines, `As of ${a.as_of}, from allocation run #${a.run_id}.`, `Look closer: ${a.explain}`].join(' '),
  };
}
