// What a scheduled job needs to know, resolved from the config's `schedule:`
// section once (when the schedulers are upserted or a run is enqueued), so a
// job carries everything it does and an updated config updates the templates.
import type { Config, ScheduleSource } from '../src/config/schema.ts';
import { UsageError } from '../src/util/errors.ts';
import { parsePeriod } from '../src/util/period.ts';
import { addMonths } from '../src/util/period.ts';

/** A billing source with its id (default: its type). */
export type SourceSpec = ScheduleSource & { id: string };

export interface MonthlySpec {
  /** The run key, prefix of every job id: `monthly-2026-10`. No ':' (BullMQ ids). */
  key: string;
  period: string;
  /** Close the period for finance at the end. */
  close: boolean;
  /** Send again to teams the send log shows as sent for the period. */
  resend: boolean;
  sources: SourceSpec[];
}

const KEY = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

export const checkPeriod = (period: string): string => parsePeriod(period);

export function checkKey(key: string): string {
  if (!KEY.test(key) || /^\d+$/.test(key)) throw new UsageError(`run key "${key}": letters, digits, ".", "_" and "-" only (BullMQ job ids cannot contain ":")`);
  return key;
}

export function resolveSources(list: ScheduleSource[] | undefined): SourceSpec[] {
  return (list ?? []).map((s) => ({ ...s, id: s.id ?? s.type }));
}

/** The sources of the monthly run: monthly.sources, else billing_pulls.sources. */
export function monthlySources(config: Config): SourceSpec[] {
  const s = config.schedule;
  return resolveSources(s?.monthly?.sources ?? s?.billing_pulls?.sources);
}

export function monthlySpec(config: Config, period: string, o: { key?: string; close?: boolean; resend?: boolean; sources?: SourceSpec[] } = {}): MonthlySpec {
  checkPeriod(period);
  return {
    key: checkKey(o.key ?? `monthly-${period}`),
    period,
    close: o.close ?? config.schedule?.monthly?.close ?? false,
    resend: o.resend ?? false,
    sources: o.sources ?? monthlySources(config),
  };
}


/** The calendar month of an instant in a time zone, `YYYY-MM`. */
export function monthIn(at: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit' }).formatToParts(at);
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  return `${get('year')}-${get('month')}`;
}

/** The month the monthly run at `at` closes: the one before the local month of `at`. */
export function periodToClose(at: Date, timeZone: string): string {
  return addMonths(monthIn(at, timeZone), -1);
}
