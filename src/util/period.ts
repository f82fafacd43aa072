// A period is a calendar month in UTC, written `YYYY-MM`, the half-open range
// [first day 00:00, first day of the next month 00:00). Text becomes a
// Period once, at each edge (CLI flags, job specs, connectors), through
// parsePeriod; everything inside takes a Period and does not check it again.
import { UsageError } from './errors.ts';

/** `YYYY-MM`, checked by parsePeriod. */
export type Period = string;

const PERIOD = /^\d{4}-(0[1-9]|1[0-2])$/;

export const isPeriod = (text: string): text is Period => PERIOD.test(text);

/** The one check of a period's text: `2026-10` passes, `2026-13` and `Oct 2026` are usage errors. */
export function parsePeriod(text: string, what = 'period'): Period {
  if (!isPeriod(text)) throw new UsageError(`${what} must be YYYY-MM, got "${text}"`);
  return text;
}

/** The period `n` months after `period` (before, for negative `n`): ("2026-12", 1) → "2027-01". */
export function addMonths(period: Period, n: number): Period {
  const [y, m] = period.split('-').map(Number) as [number, number];
  const idx = y * 12 + (m - 1) + n;
  return `${Math.floor(idx / 12)}-${String((idx % 12) + 1).padStart(2, '0')}`;
}

/** The period a timestamp falls in (UTC). */
export const periodOf = (d: Date): Period => d.toISOString().slice(0, 7);

/** First day and the first day of the next month, as `YYYY-MM-DD`. */
export function periodDays(period: Period): { start: string; end: string } {
  return { start: `${period}-01`, end: `${addMonths(period, 1)}-01` };
}

/** Days in the month: "2026-02" → 28. */
export function daysIn(period: Period): number {
  const [y, m] = period.split('-').map(Number) as [number, number];
  return new Date(Date.UTC(y, m, 0)).getUTCDate();
}

// Made once: toLocaleString builds a formatter on every call, which reports call thousands of times.
const LONG = new Intl.DateTimeFormat('en-US', { month: 'long', year: 'numeric', timeZone: 'UTC' });
const SHORT = new Intl.DateTimeFormat('en-US', { month: 'short', year: 'numeric', timeZone: 'UTC' });

/** "2026-10" → "October 2026" (English). */
export function periodLabel(period: Period): string {
  const [y, m] = period.split('-').map(Number) as [number, number];
  return LONG.format(new Date(Date.UTC(y, m - 1, 1)));
}

/** "2026-10" → "Oct 2026". */
export function periodShort(period: Period): string {
  const [y, m] = period.split('-').map(Number) as [number, number];
  return SHORT.format(new Date(Date.UTC(y, m - 1, 1)));
}
