// The projection of one month's daily cost to month end: pure, exact (decimal
// strings in, BigInt units of 10^-12 inside, decimal strings out).
//
// - One-off charges (fees, purchases, tax, credits: see sql/source-daily.sql)
//   are carried as they are: they do not recur within the month.
// - Usage of the days before `today` is billed; of those, the last
//   `incompleteDays`, days a vendor marked Estimated, and days after the last
//   day with any data are incomplete: their cost so far counts, but the
//   projection takes the higher of it and the expected day. Never zero.
// - The expected day: with at least 14 complete days (the month before's
//   first, when given, then this month's), the mean of the same weekday over
//   the last 28 complete days (weekday pattern); else the mean of the last 7
//   complete days (or as many as there are).
// - The band: each projected day at the lowest (low) and highest (high) of
//   the days its mean was taken over.

const SCALE = 12;
const ONE = 10n ** BigInt(SCALE);

export interface SeriesInput {
  /** YYYY-MM */
  period: string;
  /** Days in the month. */
  days: number;
  /** "Today" as a day of the month (1-based; past month end it keeps counting: the 1st of the next month of a 31-day month is 32). Days before it are billed. */
  today: number;
  /** Usage cost per day of the month, index 0 = day 1 (exact decimal text; undefined = no data that day). */
  usage: (string | undefined)[];
  /** One-off charges, carried as they are. */
  oneOff: string;
  /** Days (1-based) a vendor marked Estimated. */
  estimated: ReadonlySet<number>;
  /** The last N billed days are incomplete. */
  incompleteDays: number;
  /** The last day with any data for the source (1-based; 0: none). Later billed days are missing, not zero. */
  lastDataDay: number;
  /** The month before, as history: its usage per day (index 0 = day 1), its last day with data and its Estimated days. */
  prior?: { period: string; usage: (string | undefined)[]; lastDataDay: number; estimated: ReadonlySet<number> };
}

export type Method = 'weekday-pattern' | 'recent-days' | 'no-complete-day' | 'month-over';

export interface SeriesForecast {
  /** Cost to date: one-offs and usage of the billed days (exact). */
  mtd: string;
  one_off: string;
  usage_to_date: string;
  /** Forecast to month end, and its band (exact). */
  forecast: string;
  low: string;
  high: string;
  method: Method;
  /** The complete days the expected day was read from (YYYY-MM-DD; the month before's too). */
  basis_days: string[];
  /** Billed days not final yet (1-based), each with why. */
  incomplete: { day: number; why: 'recent' | 'estimated' | 'missing' }[];
  /** Days still to come (from today to month end). */
  days_left: number;
}

/** Decimal text → units of 10^-12 (extra digits are cut; stored money has 12). */
export function toUnits(s: string): bigint {
  const t = s.trim();
  const neg = t.startsWith('-');
  const [i = '0', f = ''] = t.replace(/^[-+]/, '').split('.');
  const v = BigInt(i || '0') * ONE + BigInt((f + '0'.repeat(SCALE)).slice(0, SCALE) || '0');
  return neg ? -v : v;
}

/** Units of 10^-12 → decimal text with 12 decimals. */
export function fromUnits(u: bigint): string {
  const neg = u < 0n;
  const a = neg ? -u : u;
  return `${neg ? '-' : ''}${a / ONE}.${(a % ONE).toString().padStart(SCALE, '0')}`;
}

/** n / d rounded half away from zero. */
export function divRound(n: bigint, d: bigint): bigint {
  const neg = n < 0n !== d < 0n;
  const an = n < 0n ? -n : n;
  const ad = d < 0n ? -d : d;
  const q = (2n * an + ad) / (2n * ad);
  return neg ? -q : q;
}

/** 0 = Sunday … 6 = Saturday. */
export function weekday(period: string, day: number): number {
  const [y, m] = period.split('-').map(Number) as [number, number];
  return new Date(Date.UTC(y, m - 1, day)).getUTCDay();
}

const max = (a: bigint, b: bigint) => (a > b ? a : b);

export function projectSeries(s: SeriesInput): SeriesForecast {
  // Data dated today or later (a pull that already has today's first hours) is billed, and not final.
  const billedTo = Math.min(Math.max(s.today - 1, s.lastDataDay), s.days);
  const usage = (d: number) => (s.usage[d - 1] === undefined ? 0n : toUnits(s.usage[d - 1]!));

  const incomplete: SeriesForecast['incomplete'] = [];
  const complete: number[] = [];
  for (let d = 1; d <= billedTo; d++) {
    if (d > s.lastDataDay) incomplete.push({ day: d, why: 'missing' });
    else if (s.estimated.has(d)) incomplete.push({ day: d, why: 'estimated' });
    else if (d > s.today - 1 - s.incompleteDays) incomplete.push({ day: d, why: 'recent' });
    else complete.push(d);
  }

  let usageToDate = 0n;
  for (let d = 1; d <= billedTo; d++) usageToDate += usage(d);
  const oneOff = toUnits(s.oneOff);
  const mtd = oneOff + usageToDate;
  const daysLeft = Math.max(0, s.days - billedTo);

  // The complete days to learn from: the month before's (those final by now), then this month's.
  const day = (period: string, d: number) => `${period}-${String(d).padStart(2, '0')}`;
  const history: { day: string; wd: number; v: bigint }[] = [];
  if (s.prior) {
    const p = s.prior;
    const priorDays = p.usage.length;
    for (let d = 1; d <= Math.min(p.lastDataDay, priorDays); d++) {
      if (p.estimated.has(d) || d - priorDays > s.today - 1 - s.incompleteDays) continue;
      history.push({ day: day(p.period, d), wd: weekday(p.period, d), v: p.usage[d - 1] === undefined ? 0n : toUnits(p.usage[d - 1]!) });
    }
  }
  for (const d of complete) history.push({ day: day(s.period, d), wd: weekday(s.period, d), v: usage(d) });

  // What each projected day is expected to cost, and the days that says so.
  const weekdayPattern = history.length >= 14;
  const recent = history.slice(weekdayPattern ? -28 : -7);
  const basisFor = (d: number) => {
    const same = weekdayPattern ? recent.filter((c) => c.wd === weekday(s.period, d)) : [];
    // A weekday the history lacks (days missing or Estimated) falls back to the last 7 days.
    return same.length ? same : recent.slice(-7);
  };

  const toProject = [...incomplete.map((i) => i.day), ...Array.from({ length: daysLeft }, (_, i) => billedTo + 1 + i)];
  let add = 0n;
  let addLow = 0n;
  let addHigh = 0n;
  const used = new Set<string>();
  if (recent.length > 0) {
    for (const d of toProject) {
      const basis = basisFor(d);
      const vals = basis.map((b) => b.v);
      basis.forEach((b) => used.add(b.day));
      const mean = divRound(vals.reduce((a, v) => a + v, 0n), BigInt(vals.length));
      const lo = vals.reduce((a, v) => (v < a ? v : a));
      const hi = vals.reduce((a, v) => (v > a ? v : a));
      const actual = d <= billedTo ? usage(d) : 0n;
      // An incomplete day keeps what was billed if that is already more.
      add += max(actual, mean) - actual;
      addLow += max(actual, lo) - actual;
      addHigh += max(actual, hi) - actual;
    }
  }
  const method: Method = toProject.length === 0 ? 'month-over' : recent.length === 0 ? 'no-complete-day' : weekdayPattern ? 'weekday-pattern' : 'recent-days';
  return {
    mtd: fromUnits(mtd),
    one_off: fromUnits(oneOff),
    usage_to_date: fromUnits(usageToDate),
    forecast: fromUnits(mtd + add),
    low: fromUnits(mtd + addLow),
    high: fromUnits(mtd + addHigh),
    method,
    basis_days: [...used].sort(),
    incomplete,
    days_left: daysLeft,
  };
}
