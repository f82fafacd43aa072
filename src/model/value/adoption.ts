// Adoption of a capability month by month: pure, from which teams used it in
// each month that has a run.
import { percentOf } from '../../util/decimal.ts';
import { addMonths } from '../../util/period.ts';

export interface MonthUse {
  period: string;
  /** null: no allocation run for the month (who used it is unknown). */
  run_id: number | null;
  users: ReadonlySet<string>;
}

export interface AdoptionMonth {
  period: string;
  run_id: number | null;
  eligible: number;
  /** Eligible teams using the capability this month. */
  users: number;
  /** users ÷ eligible, 2 decimals, or "n/a". */
  market_share_pct: string;
  /** The first month with a run: who used it before is unknown, so no one is counted as new (or as returning). */
  first_on_record: boolean;
  /** First use ever (in the months with a run seen); empty in the first month on record. */
  new_adopters: string[];
  /** Used it before, not in the previous month with a run, and again now. */
  returned: string[];
  /** Used it in the previous month with a run, not now. */
  stopped: string[];
  /** Teams whose first use was at least keep_rate_days before the month's end. */
  keep_base: number;
  /** Of those, the ones using it this month. */
  kept: number;
  keep_rate_pct: string;
}

/** Days from the first day of `first` to the first day of the month after `period`. */
function daysToEnd(first: string, period: string): number {
  const [y1, m1] = first.split('-').map(Number) as [number, number];
  const [y2, m2] = addMonths(period, 1).split('-').map(Number) as [number, number];
  return (Date.UTC(y2, m2 - 1, 1) - Date.UTC(y1, m1 - 1, 1)) / 86_400_000;
}

/**
 * One row per month, oldest first. A month's use is counted from the first
 * day of the month (runs are monthly), so a team first using it in April has
 * used it 91 days at the end of June. Only eligible teams count.
 */
export function adoptionSeries(months: MonthUse[], eligible: ReadonlySet<string>, keepRateDays: number): AdoptionMonth[] {
  const sorted = [...months].sort((a, b) => a.period.localeCompare(b.period));
  const firstUse = new Map<string, string>();
  const everUsed = new Set<string>();
  let previous: ReadonlySet<string> | null = null;
  const out: AdoptionMonth[] = [];
  for (const m of sorted) {
    if (m.run_id === null) {
      out.push({ period: m.period, run_id: null, eligible: eligible.size, users: 0, market_share_pct: 'n/a', first_on_record: false, new_adopters: [], returned: [], stopped: [], keep_base: 0, kept: 0, keep_rate_pct: 'n/a' });
      continue;
    }
    const users = new Set([...m.users].filter((t) => eligible.has(t)));
    const sortedIds = (xs: Iterable<string>) => [...xs].sort();
    const firstOnRecord = previous === null;
    const firstTime = [...users].filter((t) => !everUsed.has(t));
    const newAdopters = firstOnRecord ? [] : sortedIds(firstTime);
    const returned = sortedIds([...users].filter((t) => everUsed.has(t) && previous !== null && !previous.has(t)));
    const stopped = previous === null ? [] : sortedIds([...previous].filter((t) => !users.has(t)));
    // In the first month on record, use began then or earlier: the keep rate counts it from then (the later, safer date).
    for (const t of firstTime) firstUse.set(t, m.period);
    for (const t of users) everUsed.add(t);
    const base = [...firstUse].filter(([, first]) => daysToEnd(first, m.period) >= keepRateDays).map(([t]) => t);
    const kept = base.filter((t) => users.has(t)).length;
    out.push({
      period: m.period,
      run_id: m.run_id,
      eligible: eligible.size,
      users: users.size,
      market_share_pct: percentOf(users.size, eligible.size),
      first_on_record: firstOnRecord,
      new_adopters: newAdopters,
      returned,
      stopped,
      keep_base: base.length,
      kept,
      keep_rate_pct: percentOf(kept, base.length),
    });
    previous = users;
  }
  return out;
}
