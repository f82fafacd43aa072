// Cost Insights asks for costs as an ISO 8601 repeating interval with an end:
// "R2/P30D/2026-11-01" is two back-to-back 30-day intervals ending (exclusive)
// on 2026-11-01. Dates are UTC days.

export class BadIntervalError extends Error {}

export interface Intervals {
  repetitions: number;
  /** The duration of one interval: days, or calendar months. */
  duration: { days: number } | { months: number };
  /** First day (inclusive) of the first interval, YYYY-MM-DD. */
  start: string;
  /** The end (exclusive) of the last interval, YYYY-MM-DD. */
  end: string;
  /** Each interval's [start, end), oldest first. */
  buckets: { start: string; end: string }[];
}

const FORM = /^R(\d{1,2})\/P(\d{1,3})([DWM])\/(\d{4}-\d{2}-\d{2})$/;

const day = (d: Date): string => d.toISOString().slice(0, 10);

function parseDay(text: string): Date {
  const d = new Date(`${text}T00:00:00Z`);
  if (Number.isNaN(d.getTime()) || day(d) !== text) throw new BadIntervalError(`"${text}" is not a date`);
  return d;
}

function back(d: Date, duration: Intervals['duration']): Date {
  const r = new Date(d.getTime());
  if ('days' in duration) r.setUTCDate(r.getUTCDate() - duration.days);
  else r.setUTCMonth(r.getUTCMonth() - duration.months);
  return r;
}

/** Parses "R<n>/P<n>D|W|M/<YYYY-MM-DD>" (n ≥ 1 repetitions, the date the exclusive end); anything else is BadIntervalError. */
export function parseIntervals(text: string): Intervals {
  const m = FORM.exec(text);
  if (!m) throw new BadIntervalError(`intervals "${text}" is not an ISO 8601 repeating interval like R2/P30D/2026-11-01`);
  const repetitions = Number(m[1]);
  const n = Number(m[2]);
  if (repetitions < 1 || n < 1) throw new BadIntervalError(`intervals "${text}": repetitions and duration must be at least 1`);
  const duration = m[3] === 'M' ? { months: n } : { days: m[3] === 'W' ? n * 7 : n };
  let end: Date;
  try {
    end = parseDay(m[4]!);
  } catch (e) {
    throw new BadIntervalError(`intervals "${text}": ${(e as Error).message}`);
  }
  const buckets: { start: string; end: string }[] = [];
  let e = end;
  for (let i = 0; i < repetitions; i++) {
    const s = back(e, duration);
    buckets.unshift({ start: day(s), end: day(e) });
    e = s;
  }
  return { repetitions, duration, start: buckets[0]!.start, end: day(end), buckets };
}

/** Every day in [start, end), YYYY-MM-DD. */
export function daysBetween(start: string, end: string): string[] {
  const out: string[] = [];
  for (let d = parseDay(start); day(d) < end; d.setUTCDate(d.getUTCDate() + 1)) out.push(day(d));
  return out;
}

/** The months (YYYY-MM) that [start, end) touches. */
export function monthsBetween(start: string, end: string): string[] {
  const out: string[] = [];
  for (let d = parseDay(`${start.slice(0, 7)}-01`); day(d) < end; d.setUTCMonth(d.getUTCMonth() + 1)) out.push(day(d).slice(0, 7));
  return out;
}
