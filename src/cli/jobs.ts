import { InvalidArgumentError, Option } from 'commander';
import type { JobInfo } from '../../jobs/inspect.ts';
import { QUEUE_NAMES, type QueueName } from '../../jobs/names.ts';
import type { Register } from './commands.ts';
import { table } from './format.ts';
import { prefixOption, wholeNumber } from './worker.ts';

/** `allot jobs [--retry-failed]`: queue counts, running jobs, failed jobs with their reasons. */
export const registerJobs: Register = (program, run) => {
  program
    .command('jobs')
    .description('show the job queues: counts, running jobs, failed jobs and why; --retry-failed retries them')
    .option('--retry-failed', 'move every failed job back to the queue (its attempts start over)', false)
    .addOption(
      new Option('--queue <name>', 'one queue only').argParser((v) => {
        if (!(QUEUE_NAMES as readonly string[]).includes(v)) throw new InvalidArgumentError(`--queue is one of ${QUEUE_NAMES.join(', ')}`);
        return v;
      }),
    )
    .addOption(new Option('--limit <n>', 'jobs listed per queue and state').default(20).argParser(wholeNumber('--limit')))
    .addOption(prefixOption())
    .action((opts: { retryFailed: boolean; queue?: QueueName; limit: number; prefix: string }) =>
      run(async (ctx) => {
        const [{ queueReport, retryFailed }, { createLogger }, { openRuntime }] = await Promise.all([
          import('../../jobs/inspect.ts'), import('../../jobs/log.ts'), import('../../jobs/runtime.ts'),
        ]);
        const log = createLogger({ name: 'jobs', stderr: true, level: process.env.LOG_LEVEL ?? 'warn' });
        const rt = openRuntime({ log, prefix: opts.prefix });
        const queues = opts.queue ? [opts.queue] : undefined;
        try {
          const retried = opts.retryFailed ? await retryFailed(rt.queues, { queues }) : [];
          const r = await queueReport(rt.queues, { limit: opts.limit, queues });
          ctx.print({ ...r, retried }, () => {
            ctx.out(
              table(
                ['queue', 'waiting', 'active', 'delayed', 'waiting for children', 'failed', 'completed'],
                r.counts.map((c) => [c.queue, c.waiting, c.active, c.delayed, c.waiting_children, c.failed, c.completed].map(String)),
                [1, 2, 3, 4, 5, 6],
              ),
            );
            if (r.active.length) {
              ctx.out('');
              ctx.out('Running:');
              for (const j of r.active) ctx.out(`  ${j.queue}/${j.id} (${j.name}) since ${j.processed_at ?? '?'}, attempt ${j.attempts_made + 1} of ${j.attempts}`);
            }
            if (retried.length) {
              ctx.out('');
              ctx.out(`Retried ${retried.length} failed job${retried.length === 1 ? '' : 's'}:`);
              for (const j of retried) ctx.out(`  ${describe(j)}`);
            } else if (r.failed.length) {
              ctx.out('');
              ctx.out('Failed (retry with --retry-failed):');
              for (const j of r.failed) ctx.out(`  ${describe(j)}`);
            }
          });
        } finally {
          await rt.close();
        }
      }),
    );
};

function describe(j: JobInfo): string {
  return `${j.queue}/${j.id} (${j.name}) at ${j.finished_at ?? '?'} after ${j.attempts_made} attempt${j.attempts_made === 1 ? '' : 's'}: ${j.reason ?? 'no reason recorded'}`;
}
