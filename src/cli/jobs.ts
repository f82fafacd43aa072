import { InvalidArgumentError, Option } from 'commander';
import type { DelayedInfo, JobInfo, QueueReport, RetryResult, RunInfo, StepInfo } from '../../jobs/inspect.ts';
import { QUEUE_NAMES, type QueueName } from '../../jobs/names.ts';
import type { Register } from './register.ts';
import type { Context } from './context.ts';
import { table } from './format.ts';
import { prefixOption, wholeNumber } from './worker.ts';

/**
 * `allot jobs [--retry-failed] [--run KEY]`: queue counts, running jobs, jobs
 * waiting for a time and why, failed jobs and why, and each monthly run's
 * steps (done, refused, running, waiting, to do).
 */
export const registerJobs: Register = (program, run) => {
  program
    .command('jobs')
    .description('show the job queues: counts, running, delayed (and why), failed (and why), each monthly run\'s steps; --retry-failed retries the failed jobs once')
    .option(
      '--retry-failed',
      'give every job that is in the failed set now one more attempt; its attempt count is not reset, so if it fails again it is back in the failed set at once (no backoff) until the next --retry-failed',
      false,
    )
    .addOption(
      new Option('--queue <name>', 'one queue only').argParser((v) => {
        if (!(QUEUE_NAMES as readonly string[]).includes(v)) throw new InvalidArgumentError(`--queue is one of ${QUEUE_NAMES.join(', ')}`);
        return v;
      }),
    )
    .option('--run <key>', 'the steps of this monthly run (run key, e.g. monthly-2026-10); default: unfinished runs and the 3 latest finished')
    .addOption(new Option('--limit <n>', 'jobs listed per queue and state').default(20).argParser(wholeNumber('--limit')))
    .addOption(prefixOption())
    .action((opts: { retryFailed: boolean; queue?: QueueName; run?: string; limit: number; prefix: string }) =>
      run(async (ctx) => {
        const [{ monthlyRuns, queueReport, retryFailed }, { createLogger }, { openRuntime }] = await Promise.all([
          import('../../jobs/inspect.ts'), import('../../jobs/log.ts'), import('../../jobs/runtime.ts'),
        ]);
        const log = createLogger({ name: 'jobs', stderr: true, level: process.env.LOG_LEVEL ?? 'warn' });
        const rt = openRuntime({ log, prefix: opts.prefix });
        const queues = opts.queue ? [opts.queue] : undefined;
        try {
          const retry: RetryResult = opts.retryFailed ? await retryFailed(rt.queues, { queues }) : { retried: [], skipped: [] };
          const r = await queueReport(rt.queues, { limit: opts.limit, queues });
          const runs = await monthlyRuns(rt.queues, opts.run ? { keys: [opts.run] } : {});
          ctx.print({ ...r, runs, retried: retry.retried, skipped: retry.skipped }, () => printJobs(ctx, r, runs, retry, opts.run !== undefined));
        } finally {
          await rt.close();
        }
      }),
    );
};

function printJobs(ctx: Context, r: QueueReport, runs: RunInfo[], retry: RetryResult, oneRun: boolean): void {
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
  if (r.delayed.length) {
    ctx.out('');
    ctx.out('Delayed:');
    for (const j of r.delayed) ctx.out(`  ${describeDelayed(j)}`);
  }
  if (retry.retried.length || retry.skipped.length) {
    ctx.out('');
    ctx.out(`Retried ${retry.retried.length} failed job${retry.retried.length === 1 ? '' : 's'}, one attempt each:`);
    for (const j of retry.retried) ctx.out(`  ${describe(j)}`);
    for (const s of retry.skipped) ctx.out(`  not retried: ${s.queue}/${s.id}: ${s.why}`);
  } else if (r.failed.length) {
    ctx.out('');
    ctx.out('Failed (allot jobs --retry-failed gives each one more attempt):');
    for (const j of r.failed) ctx.out(`  ${describe(j)}`);
  }
  if (runs.length) {
    ctx.out('');
    ctx.out('Monthly runs:');
    for (const run of runs) for (const line of describeRun(run, oneRun)) ctx.out(`  ${line}`);
  } else if (oneRun) {
    ctx.out('');
    ctx.out('No job of that run is in the queues.');
  }
}

function describe(j: JobInfo): string {
  return `${j.queue}/${j.id} (${j.name}) at ${j.finished_at ?? '?'} after ${j.attempts_made} attempt${j.attempts_made === 1 ? '' : 's'}: ${j.reason ?? 'no reason recorded'}`;
}

function describeDelayed(j: DelayedInfo): string {
  return `${j.queue}/${j.id} (${j.name}) at ${j.run_at ?? '?'}: ${j.why}`;
}

const ORDER: StepInfo['state'][] = ['failed', 'refused', 'partly refused', 'delayed', 'running', 'waiting', 'waiting for its steps', 'to do', 'done'];

/** "monthly-2026-10 (2026-10): 9 steps: 8 done, 1 refused", then the steps by state; done steps on one line. */
export function describeRun(run: RunInfo, all = false): string[] {
  const short = (s: StepInfo) => s.step.slice(run.key.length + 1);
  const counts = [...ORDER].reverse().filter((s) => run.counts[s]).map((s) => `${run.counts[s]} ${s}`);
  const lines = [`${run.key} (${run.period}): ${run.total} steps: ${counts.join(', ')}`];
  for (const state of ORDER) {
    const steps = run.steps.filter((s) => s.state === state);
    if (!steps.length) continue;
    const label = state.padEnd(14);
    if (state === 'done' || (state === 'to do' && !all && steps.every((s) => !s.detail))) {
      lines.push(`  ${label} ${steps.map(short).join(', ')}`);
      continue;
    }
    for (const s of steps) lines.push(`  ${label} ${short(s)}${s.detail ? `: ${s.detail}` : ''}`);
  }
  return lines;
}
