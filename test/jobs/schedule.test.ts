// `allot schedule`: job schedulers from the config's schedule: section, on the
// shared Redis under a unique prefix. No worker runs: only the schedulers and
// the next job each keeps delayed are looked at.
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.ts';
import { ConfigError } from '../../src/util/errors.ts';
import { listSchedulers, syncSchedulers } from '../../jobs/schedule.ts';
import type { JobsRuntime } from '../../jobs/runtime.ts';
import { periodToClose } from '../../jobs/spec.ts';
import { runtimeOn, SHARED_REDIS, uniquePrefix } from './helpers.ts';

const BASE = `
teams:
  - { id: payments, name: Payments, cost_center: CC-1, gl_account: "6100" }
clusters:
  - { id: prod-eu }
`;

const config = (schedule: string) => parseConfig(`${BASE}${schedule}`, 'allot.yaml', {}).config;

const FULL = `
schedule:
  timezone: Europe/Paris
  collect_k8s:
    every_minutes: 15
    contexts: [prod-eu, { context: "arn:aws:eks:eu-west-1:1:cluster/staging", cluster: staging }]
  billing_pulls:
    cron: "0 5 * * *"
    sources:
      - { type: aws-ce, billing_account: "999" }
      - { type: gcp-bq, table: my-proj.billing.gcp_billing_export_v1_X }
  monthly: { day: 3, time: "06:30", close: true }
  freshness: { cron: "0 8 * * 1", max_age_hours: 36 }
`;

let rt: JobsRuntime | undefined;
afterEach(async () => {
  await rt?.close();
  rt = undefined;
});

describe('job schedulers from the config', () => {
  it('creates one per configured job, updates the template on a changed config, removes what is no longer configured', async () => {
    rt = runtimeOn(SHARED_REDIS, uniquePrefix('schedule'));
    const first = await syncSchedulers(rt.queues, config(FULL));
    expect(first.upserted.sort()).toEqual(['billing-pulls', 'collect-k8s-prod-eu', 'collect-k8s-staging', 'freshness', 'monthly']);
    const byId = Object.fromEntries((await listSchedulers(rt.queues)).map((s) => [s.id, s]));
    expect(byId.monthly).toMatchObject({ queue: 'control', name: 'monthly-trigger', pattern: '30 6 3 * *', tz: 'Europe/Paris' });
    expect(byId.monthly!.data).toMatchObject({ timezone: 'Europe/Paris', close: true, sources: [{ id: 'aws-ce' }, { id: 'gcp-bq' }] });
    // The next run is 06:30 on the 3rd, Paris time.
    const next = new Date(byId.monthly!.next!);
    expect(new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Paris', day: 'numeric', hour: '2-digit', minute: '2-digit' }).format(next)).toBe('3, 06:30');
    expect(byId['billing-pulls']).toMatchObject({ queue: 'store', name: 'billing-pull', pattern: '0 5 * * *', tz: 'Europe/Paris' });
    expect(byId['collect-k8s-staging']).toMatchObject({ queue: 'store', every: 900_000, data: { context: 'arn:aws:eks:eu-west-1:1:cluster/staging', cluster: 'staging', window: 900 } });
    expect(byId.freshness!.data).toMatchObject({ max_age_hours: 36, expected: ['aws-ce', 'gcp-bq', 'k8s-collect/prod-eu', 'k8s-collect/staging'] });
    const template = await rt.queues.get('control').getJobScheduler('monthly');
    expect(template?.template?.opts).toMatchObject({ attempts: 5, backoff: { type: 'allot-capped', delay: 30_000 }, removeOnFail: { age: 30 * 86400 } });
    expect(await rt.queues.get('control').getDelayedCount()).toBe(1);

    // Nothing changed: nothing is upserted (an `every` scheduler would fire again at once).
    const same = await syncSchedulers(rt.queues, config(FULL));
    expect(same.upserted).toEqual([]);
    expect(same.unchanged.sort()).toEqual(Object.keys(byId).sort());

    // A changed time and threshold update those schedulers and their templates; one scheduler, one pending job.
    const changed = FULL.replace('time: "06:30"', 'time: "07:15"').replace('max_age_hours: 36', 'max_age_hours: 72');
    const second = await syncSchedulers(rt.queues, config(changed));
    expect(second.upserted.sort()).toEqual(['freshness', 'monthly']);
    const after = Object.fromEntries((await listSchedulers(rt.queues)).map((s) => [s.id, s]));
    expect(after.monthly).toMatchObject({ pattern: '15 7 3 * *' });
    expect(after.freshness!.data).toMatchObject({ max_age_hours: 72 });
    expect(Object.keys(after).sort()).toEqual(Object.keys(byId).sort());
    const delayed = await rt.queues.get('control').getDelayed();
    expect(delayed).toHaveLength(1);
    expect(delayed[0]!.id).toBe(`repeat:monthly:${after.monthly!.next && Date.parse(after.monthly!.next)}`);

    // Sections taken out of the config: their schedulers go.
    const fewer = changed.replace(/ {2}collect_k8s:\n.*\n.*\n/, '').replace(/ {2}freshness:.*\n/, '');
    const third = await syncSchedulers(rt.queues, config(fewer));
    expect(third.removed.sort()).toEqual(['collect-k8s-prod-eu', 'collect-k8s-staging', 'freshness']);
    expect((await listSchedulers(rt.queues)).map((s) => s.id).sort()).toEqual(['billing-pulls', 'monthly']);
    expect(await rt.queues.get('store').getJobSchedulersCount()).toBe(1);

    // No schedule section at all: nothing stays scheduled.
    const none = await syncSchedulers(rt.queues, config(''));
    expect(none.removed.sort()).toEqual(['billing-pulls', 'monthly']);
    expect(await listSchedulers(rt.queues)).toEqual([]);
  });

  it('validates the schedule section like the rest of the config', () => {
    expect(() => config('schedule:\n  monthly: { day: 31 }\n')).toThrow(ConfigError);
    expect(() => config('schedule:\n  timezone: Mars/Olympus\n')).toThrow(/IANA time zone/);
    expect(() => config('schedule:\n  collect_k8s: { every_minutes: 7, contexts: [a] }\n')).toThrow(/must divide a day/);
    expect(() => config('schedule:\n  billing_pulls: { sources: [{ type: aws-ce }, { type: aws-ce }] }\n')).toThrow(/two sources have id "aws-ce"/);
    expect(() => config('schedule:\n  monthly: { dya: 3 }\n')).toThrow(/unknown key "dya"/);
  });

  it('the monthly run closes the month before the local month of its trigger', () => {
    // 1 Nov 00:30 in Paris is still 31 Oct in UTC: the run is for October all the same.
    expect(periodToClose(new Date('2026-10-31T23:30:00Z'), 'Europe/Paris')).toBe('2026-10');
    expect(periodToClose(new Date('2026-10-31T23:30:00Z'), 'UTC')).toBe('2026-09');
    expect(periodToClose(new Date('2027-01-03T05:00:00Z'), 'UTC')).toBe('2026-12');
  });
});
