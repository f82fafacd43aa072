import { UsageError } from '../../util/errors.ts';
import { parsePeriod } from '../../util/period.ts';

/** The Cost Explorer time range of a billing month (dates are UTC, `End` is exclusive). */
export interface CePeriod {
  /** YYYY-MM */
  period: string;
  /** First day of the month, YYYY-MM-DD. */
  start: string;
  /** What is asked of Cost Explorer: the first of next month, or tomorrow for the current month. */
  end: string;
  /** First day of the next month: the billing period's end. */
  monthEnd: string;
  /** True for the current month: the pull stops at today and AWS's numbers are still moving. */
  partial: boolean;
}

const iso = (d: Date) => d.toISOString().slice(0, 10);

/** `2025-01` → Start 2025-01-01, End 2025-02-01 (or today + 1 in the current month). A future month is refused. */
export function cePeriod(period: string, now: Date = new Date()): CePeriod {
  const [year, mo] = parsePeriod(period, '--period').split('-').map(Number) as [number, number];
  const month = mo - 1;
  const start = new Date(Date.UTC(year, month, 1));
  const monthEnd = new Date(Date.UTC(year, month + 1, 1));
  const tomorrow = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1));
  if (start >= tomorrow) throw new UsageError(`period ${period} has not started yet (today is ${iso(now)} UTC)`);
  const partial = tomorrow < monthEnd;
  return { period, start: iso(start), end: iso(partial ? tomorrow : monthEnd), monthEnd: iso(monthEnd), partial };
}
