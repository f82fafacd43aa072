import { UsageError } from '../../util/errors.ts';
import { parsePeriod } from '../../util/period.ts';

/** Prometheus refuses a range query of more than 11,000 points per series. */
export const PROMETHEUS_MAX_POINTS = 11_000;
/**
 * Days per range query by default: a month of a big cluster in one reply is
 * hundreds of MB of JSON held at once; a week at a time keeps memory (ours
 * and Prometheus') bounded for a few more requests (5 chunks for a month).
 */
export const DEFAULT_CHUNK_DAYS = 7;

/** `--step`: `1h`, `30m`, `2h`, `1d`, `900s` or plain seconds; a divisor of a day, at least a minute. */
export function parseStep(text: string): number {
  const m = /^(\d+)(s|m|h|d)?$/.exec(text.trim());
  const mult = { s: 1, m: 60, h: 3600, d: 86400 } as const;
  const seconds = m ? Number(m[1]) * mult[(m[2] ?? 's') as keyof typeof mult] : NaN;
  if (!Number.isInteger(seconds) || seconds < 60 || seconds > 86400 || 86400 % seconds !== 0) {
    throw new UsageError(`--step must be a duration that divides a day, at least 1m (5m, 15m, 30m, 1h, 2h, 1d…), got "${text}"`);
  }
  return seconds;
}

/** The windows of one period: `count` snapshots of `step` seconds from `start` (unix seconds). */
export interface BackfillPlan {
  period: string;
  step: number;
  /** First window's start (the period's first instant), unix seconds. */
  start: number;
  /** Windows in the period (744 for a 31-day month at 1h). */
  windows: number;
  /** Windows asked for: all of them, or those already over in the current month. */
  count: number;
  partial: boolean;
  /** Index ranges [first, first + count) of windows, each one range query (≤ maxPoints points). */
  chunks: { first: number; count: number }[];
}

/** Points per range query: `chunkDays` of windows, never more than `maxPoints`. */
export function backfillPlan(period: string, step: number, now: Date, maxPoints = PROMETHEUS_MAX_POINTS, chunkDays = DEFAULT_CHUNK_DAYS): BackfillPlan {
  const [y, mo] = parsePeriod(period, '--period').split('-').map(Number) as [number, number];
  const startMs = Date.UTC(y, mo - 1, 1);
  const endMs = Date.UTC(y, mo, 1);
  const start = startMs / 1000;
  const windows = (endMs - startMs) / 1000 / step;
  const over = Math.floor((now.getTime() / 1000 - start) / step);
  if (over < 1) {
    throw new UsageError(`period ${period} has no complete ${step} s window yet (now is ${now.toISOString()})`);
  }
  const count = Math.min(windows, over);
  if (!Number.isInteger(maxPoints) || maxPoints < 1) throw new UsageError('maxPoints must be a positive integer');
  if (!(chunkDays > 0)) throw new UsageError('chunkDays must be positive');
  const size = Math.max(1, Math.min(maxPoints, Math.floor((chunkDays * 86400) / step)));
  const chunks: { first: number; count: number }[] = [];
  for (let first = 0; first < count; first += size) chunks.push({ first, count: Math.min(size, count - first) });
  return { period, step, start, windows, count, partial: count < windows, chunks };
}

/** The evaluation times of a chunk: the END of each window (first + 1 … first + count). */
export function chunkRange(plan: BackfillPlan, chunk: { first: number; count: number }): { start: number; end: number } {
  return { start: plan.start + (chunk.first + 1) * plan.step, end: plan.start + (chunk.first + chunk.count) * plan.step };
}
