// The daily alerts job (`schedule.alerts`): each team's budget and spend
// alerts for the month in progress, from the run that speaks for it, sent
// once each (the send log skips what was sent, so a retry or a second run the
// same day sends only what is new or failed).
import type { Job } from 'bullmq';
import { closeRecord } from '../src/close/close.ts';
import { sendAlerts, type AlertsResult } from '../src/deliver/alerts.ts';
import { periodRunId } from '../src/store/runs.ts';
import { AllotError } from '../src/util/errors.ts';
import { addMonths } from '../src/util/period.ts';
import type { Logger } from './log.ts';
import { monthIn } from './spec.ts';
import { withStore } from './store-lock.ts';
import type { TaskDeps } from './tasks.ts';

export interface AlertsData {
  timezone: string;
}

/** The local date of `at` in `timeZone`, YYYY-MM-DD. */
export function dayIn(at: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
}

/**
 * The month in progress, and on the first two days of a month also the month
 * before while it is not closed (its last days arrive late). A month without
 * a run yet is skipped: there is nothing to forecast from.
 */
export async function alertsTask(deps: TaskDeps, job: Job<AlertsData>, log: Logger) {
  const now = deps.now();
  const tz = job.data.timezone;
  const current = monthIn(now, tz);
  const today = dayIn(now, tz);
  const results: (Pick<AlertsResult, 'period' | 'run_id' | 'as_of'> & { alerts: number; sent: number; skipped: number; failed: number })[] = [];
  const skipped: { period: string; why: string }[] = [];
  const failures: string[] = [];
  await withStore(deps.storeLock, { dbPath: deps.dbPath, jobId: job.id, ...deps.storeHooks }, async ({ store, lease }) => {
    const periods = [current];
    if (Number(today.slice(8, 10)) <= 2) {
      const prev = addMonths(current, -1);
      if ((await closeRecord(store, prev))?.status !== 'closed') periods.unshift(prev);
    }
    for (const period of periods) {
      if ((await periodRunId(store, period)) === undefined) {
        skipped.push({ period, why: 'no allocation run yet' });
        continue;
      }
      await lease.assertHeld();
      // The job's own retries space out the attempts; within one run each message gets one.
      const r = await sendAlerts(store, deps.loaded.config, { period, asOf: today, retryDelaysMs: [] });
      const n = (s: string) => r.outcomes.filter((o) => o.status === s).length;
      results.push({ period, run_id: r.run_id, as_of: r.as_of, alerts: r.alerts.length, sent: n('sent'), skipped: n('skipped'), failed: n('failed') });
      for (const f of r.failures) failures.push(`${period} ${f.team_id} ${f.alert_key} by ${f.channel}: ${f.response ?? 'failed'}`);
      log.info({ period, alerts: r.alerts.length, sent: n('sent'), failed: n('failed') }, 'alerts checked');
    }
  });
  // What was sent is in the send log: a retry sends only what failed.
  if (failures.length) throw new AllotError(`${failures.length} alert(s) not delivered: ${failures.join('; ')}`);
  return { as_of: today, periods: results, skipped };
}
