// A small Prometheus exposition (text format 0.0.4) and the worker's HTTP
// endpoints: /metrics, /healthz (liveness) and /readyz (readiness) (node:http). No client library: counters,
// gauges and histograms with labels are all the worker needs. (prom-client
// would add default process metrics; swap it in if it gets installed.)
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { errFields, type Logger } from './log.ts';

type Labels = Record<string, string>;

const escape = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
const fmtLabels = (l: Labels) => {
  const keys = Object.keys(l).sort();
  return keys.length ? `{${keys.map((k) => `${k}="${escape(l[k]!)}"`).join(',')}}` : '';
};
const keyOf = (l: Labels) => JSON.stringify(Object.entries(l).sort(([a], [b]) => a.localeCompare(b)));
const num = (v: number) => (Number.isFinite(v) ? String(v) : v > 0 ? '+Inf' : v < 0 ? '-Inf' : 'NaN');

abstract class Metric {
  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: 'counter' | 'gauge' | 'histogram',
  ) {}
  abstract lines(): string[];
  render(): string {
    return [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} ${this.type}`, ...this.lines()].join('\n');
  }
}

export class Counter extends Metric {
  private readonly values = new Map<string, { labels: Labels; value: number }>();
  constructor(name: string, help: string) {
    super(name, help, 'counter');
  }
  /** Starts a series at zero (if it is not there yet), so it exists before the first event. */
  zero(labels: Labels = {}): void {
    const k = keyOf(labels);
    if (!this.values.has(k)) this.values.set(k, { labels, value: 0 });
  }
  inc(labels: Labels = {}, by = 1): void {
    const k = keyOf(labels);
    const cur = this.values.get(k) ?? { labels, value: 0 };
    cur.value += by;
    this.values.set(k, cur);
  }
  get(labels: Labels = {}): number {
    return this.values.get(keyOf(labels))?.value ?? 0;
  }
  lines(): string[] {
    return [...this.values.values()].map((v) => `${this.name}${fmtLabels(v.labels)} ${num(v.value)}`);
  }
}

export class Gauge extends Metric {
  private values = new Map<string, { labels: Labels; value: number }>();
  constructor(name: string, help: string) {
    super(name, help, 'gauge');
  }
  set(labels: Labels, value: number): void {
    this.values.set(keyOf(labels), { labels, value });
  }
  get(labels: Labels = {}): number | undefined {
    return this.values.get(keyOf(labels))?.value;
  }
  reset(): void {
    this.values = new Map();
  }
  lines(): string[] {
    return [...this.values.values()].map((v) => `${this.name}${fmtLabels(v.labels)} ${num(v.value)}`);
  }
}

export class Histogram extends Metric {
  private readonly values = new Map<string, { labels: Labels; counts: number[]; sum: number; count: number }>();
  constructor(
    name: string,
    help: string,
    readonly buckets: number[],
  ) {
    super(name, help, 'histogram');
  }
  observe(labels: Labels, value: number): void {
    const k = keyOf(labels);
    const cur = this.values.get(k) ?? { labels, counts: this.buckets.map(() => 0), sum: 0, count: 0 };
    this.buckets.forEach((b, i) => {
      if (value <= b) cur.counts[i]!++;
    });
    cur.sum += value;
    cur.count++;
    this.values.set(k, cur);
  }
  lines(): string[] {
    const out: string[] = [];
    for (const v of this.values.values()) {
      this.buckets.forEach((b, i) => out.push(`${this.name}_bucket${fmtLabels({ ...v.labels, le: num(b) })} ${v.counts[i]}`));
      out.push(`${this.name}_bucket${fmtLabels({ ...v.labels, le: '+Inf' })} ${v.count}`);
      out.push(`${this.name}_sum${fmtLabels(v.labels)} ${v.sum}`);
      out.push(`${this.name}_count${fmtLabels(v.labels)} ${v.count}`);
    }
    return out;
  }
}

/**
 * Everything the worker exposes, in two kinds:
 *
 * - this process: job durations and failures, email refusals, worker_up,
 *   redis_up. Counters start at zero for every label set the worker can
 *   produce, so rate() and alerts see a series before the first failure.
 *   Sum them across workers.
 * - the deployment: queue depths (from Redis) are exported by one worker
 *   only, the one holding the metrics lease (`allot_metrics_exporter 1`), so
 *   a sum counts each job once; source freshness (from Redis, see
 *   freshness.ts) is the same on every worker: aggregate it with max.
 */
export class Metrics {
  readonly queueJobs = new Gauge('allot_queue_jobs', 'Jobs in each queue by state, read from Redis at scrape time; exported by one worker only (allot_metrics_exporter 1)');
  readonly exporter = new Gauge('allot_metrics_exporter', '1 on the one worker that exports the deployment-wide queue depths, else 0');
  readonly jobDuration = new Histogram('allot_job_duration_seconds', 'Time of one job attempt, by queue, job name and outcome', [0.05, 0.25, 1, 5, 15, 60, 300, 900, 3600]);
  readonly jobFailures = new Counter('allot_job_failures_total', 'Failed job attempts in this worker; final="true" when no retry is left');
  readonly sourceLastSuccess = new Gauge('allot_source_last_success_timestamp_seconds', 'Last successful pull or collection of each configured source (the same on every worker: use max)');
  readonly sourceStale = new Gauge('allot_source_stale', '1 when a configured source last delivered more than schedule.freshness.max_age_hours ago, or never (the same on every worker: use max)');
  readonly emailFailures = new Counter('allot_email_failures_total', 'Team reports the SMTP server refused for good in this worker: kind="refused" (every recipient) or "partly_refused"');
  readonly redisUp = new Gauge('allot_redis_up', '1 when Redis answered this worker\'s last scrape');
  readonly up = new Gauge('allot_worker_up', '1 while the worker runs');

  private readonly all: Metric[] = [
    this.queueJobs, this.exporter, this.jobDuration, this.jobFailures, this.sourceLastSuccess, this.sourceStale, this.emailFailures, this.redisUp, this.up,
  ];

  render(): string {
    return `${this.all.map((m) => m.render()).join('\n')}\n`;
  }
}

export interface MetricsServerOptions {
  port: number;
  host?: string;
  metrics: Metrics;
  /** Refreshes scrape-time values (queue depths) before /metrics answers. */
  collect?: () => Promise<void>;
  /** /healthz (liveness): is this process working? Never depends on Redis, so a Redis outage restarts nothing. */
  health: () => { ok: boolean; [k: string]: unknown };
  /** /readyz (readiness): can it take jobs now (Redis answering, workers running)? */
  ready?: () => { ok: boolean; [k: string]: unknown };
  log: Logger;
}

export interface MetricsServer {
  port: number;
  close(): Promise<void>;
}

export async function startMetricsServer(o: MetricsServerOptions): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405).end();
      return;
    }
    if (path === '/metrics') {
      (o.collect ? o.collect() : Promise.resolve())
        .catch((e: unknown) => o.log.warn({ ...errFields(e) }, 'metrics collection failed'))
        .then(() => {
          res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
          res.end(o.metrics.render());
        });
      return;
    }
    if (path === '/healthz' || path === '/readyz') {
      const h = path === '/healthz' ? o.health() : (o.ready ?? o.health)();
      res.writeHead(h.ok ? 200 : 503, { 'content-type': 'application/json' });
      res.end(`${JSON.stringify(h)}\n`);
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /metrics, /healthz or /readyz\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host ?? '0.0.0.0', () => resolve());
  });
  server.on('error', (e) => o.log.error({ ...errFields(e) }, 'metrics server error'));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}
