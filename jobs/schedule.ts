// `allot schedule`: the config's `schedule:` section as BullMQ job schedulers
// (BullMQ 6 has no `repeat` option: a scheduler makes the next job at each
// pattern or interval). Upserts what is configured, removes what is not.
import type { JobSchedulerTemplateOptions } from 'bullmq';
import type { Config } from '../src/config/schema.ts';
import { IN_CLUSTER_CONTEXT } from '../src/ingest/k8s-collect/index.ts';
import { UsageError } from '../src/util/errors.ts';
import { jobOptions, policyFor, QUEUE_NAMES, type JobKind, type PolicyOverrides, type QueueName, type Queues } from './queues.ts';
import { watchedSources } from './freshness.ts';
import { monthlySources, resolveSources } from './spec.ts';
import type { BillingPullData, CollectK8sData, FreshnessData, MonthlyTriggerData } from './tasks.ts';
import type { AlertsData } from './alerts.ts';

export interface DesiredScheduler {
  id: string;
  queue: QueueName;
  name: JobKind;
  repeat: { pattern?: string; every?: number; tz?: string };
  data: unknown;
  opts: JobSchedulerTemplateOptions;
}

export interface SchedulerInfo {
  id: string;
  queue: QueueName;
  name: string;
  pattern: string | null;
  every: number | null;
  tz: string | null;
  next: string | null;
  iterations: number;
  data: unknown;
}

const safe = (s: string) => s.replace(/[^A-Za-z0-9_.-]/g, '_');

function template(kind: JobKind, policies: PolicyOverrides): JobSchedulerTemplateOptions {
  const { jobId: _j, ...opts } = jobOptions(kind, policies);
  return opts;
}

/** The schedulers the config asks for. */
export function desiredSchedulers(config: Config, policies: PolicyOverrides = {}): DesiredScheduler[] {
  const s = config.schedule;
  if (!s) return [];
  const tz = s.timezone;
  const out: DesiredScheduler[] = [];
  const withCap = <T extends object>(kind: JobKind, data: T) => ({ ...data, maxDelayMs: policyFor(kind, policies).maxDelayMs });

  if (s.collect_k8s) {
    const window = s.collect_k8s.every_minutes * 60;
    for (const entry of s.collect_k8s.contexts) {
      const context = typeof entry === 'string' ? entry : entry.context;
      const cluster = typeof entry === 'string' ? entry : (entry.cluster ?? entry.context);
      if (context === IN_CLUSTER_CONTEXT && cluster === context) {
        throw new UsageError(`schedule.collect_k8s.contexts: "${IN_CLUSTER_CONTEXT}" needs a cluster id: { context: ${IN_CLUSTER_CONTEXT}, cluster: <clusters[].id> }`);
      }
      const data: CollectK8sData = { context, cluster, window };
      out.push({
        id: `collect-k8s-${safe(cluster)}`, queue: 'store', name: 'collect-k8s',
        repeat: { every: window * 1000 }, data: withCap('collect-k8s', data), opts: template('collect-k8s', policies),
      });
    }
  }
  if (s.billing_pulls) {
    const data: BillingPullData = { sources: resolveSources(s.billing_pulls.sources), previous_month_until_day: s.billing_pulls.previous_month_until_day };
    out.push({
      id: 'billing-pulls', queue: 'store', name: 'billing-pull',
      repeat: { pattern: s.billing_pulls.cron, tz }, data: withCap('billing-pull', data), opts: template('billing-pull', policies),
    });
  }
  if (s.monthly) {
    const [hh, mm] = s.monthly.time.split(':').map(Number) as [number, number];
    const data: MonthlyTriggerData = { timezone: tz, close: s.monthly.close, sources: monthlySources(config) };
    out.push({
      id: 'monthly', queue: 'control', name: 'monthly-trigger',
      repeat: { pattern: `${mm} ${hh} ${s.monthly.day} * *`, tz }, data: withCap('monthly-trigger', data), opts: template('monthly-trigger', policies),
    });
  }
  if (s.alerts) {
    const data: AlertsData = { timezone: tz };
    out.push({
      id: 'alerts', queue: 'store', name: 'alerts',
      repeat: { pattern: s.alerts.cron, tz }, data: withCap('alerts', data), opts: template('alerts', policies),
    });
  }
  if (s.freshness) {
    // The configured sources only: a one-off import is not expected to keep delivering.
    const watch = watchedSources(config);
    const data: FreshnessData = { max_age_hours: s.freshness.max_age_hours, expected: watch.map((w) => w.id), watch };
    out.push({
      id: 'freshness', queue: 'store', name: 'freshness',
      repeat: { pattern: s.freshness.cron, tz }, data: withCap('freshness', data), opts: template('freshness', policies),
    });
  }
  return out;
}

/** Every scheduler in every queue of the prefix. */
export async function listSchedulers(queues: Queues): Promise<SchedulerInfo[]> {
  const out: SchedulerInfo[] = [];
  for (const queue of QUEUE_NAMES) {
    for (const j of await queues.get(queue).getJobSchedulers(0, -1, true)) {
      out.push({
        id: j.key,
        queue,
        name: j.name,
        pattern: j.pattern ?? null,
        every: j.every ?? null,
        tz: j.tz ?? null,
        next: j.next ? new Date(j.next).toISOString() : null,
        iterations: j.iterationCount ?? 0,
        data: j.template?.data ?? null,
      });
    }
  }
  return out.sort((a, b) => a.id.localeCompare(b.id));
}

export interface SyncResult {
  upserted: string[];
  unchanged: string[];
  removed: string[];
  schedulers: SchedulerInfo[];
}

/** JSON with sorted keys: Redis gives the template back with its keys in another order. */
function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) =>
    x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b))) : x,
  );
}
const same = (a: unknown, b: unknown) => canonical(a) === canonical(b);

/**
 * Makes the queues' schedulers what the config says: new and changed ones are
 * upserted (an upsert replaces the template and the pending next job),
 * unchanged ones are left alone (an `every` scheduler would fire again at
 * once), and schedulers the config no longer has are removed.
 */
export async function syncSchedulers(queues: Queues, config: Config, o: { dryRun?: boolean; policies?: PolicyOverrides } = {}): Promise<SyncResult> {
  const desired = desiredSchedulers(config, o.policies);
  const existing = await listSchedulers(queues);
  const res: SyncResult = { upserted: [], unchanged: [], removed: [], schedulers: [] };
  for (const d of desired) {
    const cur = existing.find((e) => e.id === d.id && e.queue === d.queue);
    const raw = cur ? await queues.get(d.queue).getJobScheduler(d.id) : undefined;
    const unchanged =
      cur && raw && cur.name === d.name && (cur.pattern ?? undefined) === d.repeat.pattern && (cur.every ?? undefined) === d.repeat.every &&
      (cur.tz ?? undefined) === d.repeat.tz && same(raw.template?.data, d.data) && same(raw.template?.opts, d.opts);
    if (unchanged) {
      res.unchanged.push(d.id);
      continue;
    }
    if (!o.dryRun) await queues.get(d.queue).upsertJobScheduler(d.id, d.repeat, { name: d.name, data: d.data, opts: d.opts });
    res.upserted.push(d.id);
  }
  for (const e of existing) {
    if (desired.some((d) => d.id === e.id && d.queue === e.queue)) continue;
    if (!o.dryRun) await queues.get(e.queue).removeJobScheduler(e.id);
    res.removed.push(e.id);
  }
  res.schedulers = o.dryRun ? existing : await listSchedulers(queues);
  return res;
}
