import { dirname, join, resolve } from 'node:path';
import { InvalidArgumentError, Option } from 'commander';
import { QUEUE_NAMES, type QueueName } from '../../jobs/names.ts';
import type { Register } from './register.ts';
import type { Context } from './context.ts';

export const wholeNumber = (flag: string, min = 1) => (v: string) => {
  if (!/^\d+$/.test(v) || Number(v) < min) throw new InvalidArgumentError(`${flag} must be a whole number${min > 0 ? ` of at least ${min}` : ''}`);
  return Number(v);
};

/** `--prefix`: the Redis key prefix of the queues (one per store). */
export const prefixOption = () => new Option('--prefix <prefix>', 'Redis key prefix of the queues (one prefix per store)').env('ALLOT_QUEUE_PREFIX').default('allot');

/** Per-run artefacts: a directory every worker sees (a shared volume); default runs/ next to the store. */
export const artefactsOption = () => new Option('--artefacts <dir>', 'per-run artefacts (team reports, .eml files); a volume all workers share (default: runs/ next to --db)').env('ALLOT_ARTEFACTS');

export function artefactsDir(ctx: Context, dir: string | undefined): string {
  return resolve(dir ?? join(dirname(resolve(ctx.opts.db)), 'runs'));
}

function parseQueues(v: string): QueueName[] {
  const list = v.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = list.find((q) => !(QUEUE_NAMES as readonly string[]).includes(q));
  if (bad !== undefined || list.length === 0) throw new InvalidArgumentError(`--queues takes a comma-separated list of ${QUEUE_NAMES.join(', ')}`);
  return list as QueueName[];
}

interface WorkerFlags {
  concurrency: number;
  queues: QueueName[];
  metricsPort: number;
  metricsHost: string;
  artefacts?: string;
  schedule: boolean;
  prefix: string;
  jobLockMs?: number;
  stalledIntervalMs?: number;
  storeLockTtlMs?: number;
  snapshot: boolean;
}

/**
 * `allot worker`: runs the job processors until SIGTERM or SIGINT, then stops
 * taking jobs and lets the active ones finish. Logs are JSON lines on stdout.
 */
export const registerWorker: Register = (program, run) => {
  program
    .command('worker')
    .description('run the scheduled and monthly jobs from Redis (REDIS_URL) until SIGTERM/SIGINT; active jobs finish first')
    .addOption(new Option('--concurrency <n>', 'parallel jobs per queue for render, deliver and control (the store queue runs one at a time)').default(4).argParser(wholeNumber('--concurrency')))
    .addOption(new Option('--queues <list>', `queues to serve, comma-separated (${QUEUE_NAMES.join(',')})`).default([...QUEUE_NAMES], QUEUE_NAMES.join(',')).argParser(parseQueues))
    .addOption(new Option('--metrics-port <port>', '/metrics, /healthz (liveness) and /readyz (readiness: Redis) on this port (0: any free port)').default(9464).argParser(wholeNumber('--metrics-port', 0)))
    .addOption(new Option('--metrics-host <address>', 'address the metrics server listens on (127.0.0.1: this machine only)').default('0.0.0.0').env('ALLOT_METRICS_HOST'))
    .addOption(artefactsOption())
    .option('--schedule', 'upsert the job schedulers from the config first (as "allot schedule")', false)
    .option('--no-snapshot', 'do not publish the readers\' snapshot of the store after each store job (readers then wait for the store)')
    .addOption(prefixOption())
    .addOption(new Option('--job-lock-ms <ms>', 'BullMQ job lock: a dead worker\'s jobs are taken over after it (default 30000)').argParser(wholeNumber('--job-lock-ms')))
    .addOption(new Option('--stalled-interval-ms <ms>', 'how often stalled jobs are looked for (default 30000)').argParser(wholeNumber('--stalled-interval-ms')))
    .addOption(new Option('--store-lock-ttl-ms <ms>', 'store lock ttl: a dead writer\'s lock frees after it (default 60000)').argParser(wholeNumber('--store-lock-ttl-ms')))
    .action((opts: WorkerFlags) =>
      run(async (ctx) => {
        const loaded = ctx.config(); // validate before connecting
        const [{ createLogger }, { startMetricsServer }, { checkEvictionPolicy, redisUrl, safeUrl }, { openRuntime }, { syncSchedulers }, { startWorker }] =
          await Promise.all([
            import('../../jobs/log.ts'), import('../../jobs/metrics.ts'), import('../../jobs/redis.ts'), import('../../jobs/runtime.ts'),
            import('../../jobs/schedule.ts'), import('../../jobs/worker.ts'),
          ]);
        const log = createLogger({ name: 'worker' });
        const { onWarning } = await import('./warnings.ts');
        onWarning((w) => log.warn({ warning: w.name, code: (w as { code?: string }).code }, w.message.replace(/\s*\n\s*/g, ' ')));
        const url = redisUrl();
        const rt = openRuntime({ log, url, prefix: opts.prefix });
        let stopping: string | undefined;
        const stopped = new Promise<string>((resolveStop) => {
          for (const sig of ['SIGTERM', 'SIGINT'] as const) {
            process.once(sig, () => {
              stopping = sig;
              resolveStop(sig);
            });
          }
        });
        const start = async () => {
          log.info({ redis: safeUrl(url), prefix: opts.prefix }, 'connecting to Redis');
          await checkEvictionPolicy(rt.redis, log);
          if (stopping) throw new Error('stopped');
          if (opts.schedule) {
            const r = await syncSchedulers(rt.queues, loaded.config);
            log.info({ upserted: r.upserted, unchanged: r.unchanged, removed: r.removed }, 'job schedulers synced from the config');
          }
          const artefacts = artefactsDir(ctx, opts.artefacts);
          if (stopping) throw new Error('stopped');
          const w = await startWorker({
            redis: rt.redis,
            prefix: opts.prefix,
            log,
            loaded,
            dbPath: resolve(ctx.opts.db),
            artefactsDir: artefacts,
            queues: opts.queues,
            concurrency: opts.concurrency,
            lockDuration: opts.jobLockMs,
            stalledInterval: opts.stalledIntervalMs,
            storeLockTtlMs: opts.storeLockTtlMs,
            snapshot: opts.snapshot,
          });
          const server = await startMetricsServer({
            port: opts.metricsPort, host: opts.metricsHost, metrics: w.metrics, collect: () => w.collect(), health: () => w.health(), ready: () => w.ready(), log,
          }).catch(
            async (e: unknown) => {
              await w.close();
              throw e;
            },
          );
          log.info(
            { queues: opts.queues, concurrency: opts.concurrency, metrics_host: opts.metricsHost, metrics_port: server.port, db: resolve(ctx.opts.db), artefacts },
            'worker ready',
          );
          // SIGHUP: read the configuration again. Jobs that start from now on use it (running ones keep
          // theirs); with --schedule the schedulers follow it. A configuration that does not load is
          // logged and the running one kept.
          process.on('SIGHUP', () => {
            void (async () => {
              try {
                const { loadConfigFile } = await import('../config/load.ts');
                const next = loadConfigFile(ctx.opts.config);
                w.reload(next);
                if (opts.schedule) await syncSchedulers(rt.queues, next.config);
                log.info({ config: next.file, sha256: next.sha256 }, 'configuration reloaded (SIGHUP)');
              } catch (e) {
                log.error({ err: { message: (e as Error).message } }, 'configuration NOT reloaded (SIGHUP): it does not load; the worker keeps the one it had');
              }
            })();
          });
          return { w, server };
        };
        const starting = start();
        starting.catch(() => undefined);
        // A signal while Redis is still unreachable stops the wait for it.
        const started = await Promise.race([starting, stopped.then(() => undefined)]).catch((e: unknown) => {
          rt.redis.disconnect();
          throw e;
        });
        if (!started) {
          log.info({ signal: stopping }, 'stopped before the worker was ready');
          rt.redis.disconnect();
          return;
        }
        try {
          const signal = stopping ?? (await stopped);
          log.info({ signal }, 'shutting down: no new jobs; waiting for the active ones to finish');
          await started.w.close();
          await started.server.close();
          log.info('worker stopped');
        } finally {
          await rt.close();
        }
      }),
    );
};
