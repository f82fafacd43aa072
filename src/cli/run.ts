import type { StepEvent } from '../../jobs/monthly/inprocess.ts';
import type { FinishSummary, RefusedSend } from '../../jobs/monthly/steps.ts';
import { AllotError, UsageError } from '../util/errors.ts';
import { periodOption } from './options.ts';
import type { Register } from './register.ts';
import { artefactsDir, artefactsOption, prefixOption } from './worker.ts';

interface RunFlags {
  period: string;
  close?: boolean;
  resend: boolean;
  key?: string;
  pull: boolean;
  artefacts?: string;
  enqueue: boolean;
  wait: boolean;
  prefix: string;
}

/**
 * `allot run --period P`: the monthly pipeline (pull → attribute → export →
 * render → send → close) in this process, no Redis needed: the same steps
 * the scheduled flow runs. Steps already done under the same run key are
 * skipped, so a run that died can be run again. `--enqueue` hands the run to
 * the workers instead.
 */
export const registerRun: Register = (program, run) => {
  program
    .command('run')
    .description('run the monthly pipeline for a period in this process (pull, attribute, export, render and send per team, close); --enqueue hands it to the workers')
    .addOption(periodOption())
    .option('--close', 'close the period at the end (default: schedule.monthly.close)')
    .option('--no-close', 'do not close the period')
    .option('--resend', 'mail teams the send log shows as already mailed for the period', false)
    .option('--key <key>', 'run key, prefix of every step id (default monthly-<period>); steps done under it are not redone')
    .option('--no-pull', 'skip the billing pulls (attribute what the store has)')
    .addOption(artefactsOption())
    .option('--enqueue', 'add the run to the job queues in Redis (REDIS_URL) for the workers instead of running it here', false)
    .option('--wait', 'with --enqueue: wait until the run is finished (or a step failed for good)', false)
    .addOption(prefixOption())
    .action((opts: RunFlags) =>
      run(async (ctx) => {
        if (opts.wait && !opts.enqueue) throw new UsageError('--wait goes with --enqueue');
        const loaded = ctx.config();
        const [{ createLogger }, { monthlySpec }] = await Promise.all([import('../../jobs/log.ts'), import('../../jobs/spec.ts')]);
        const spec = monthlySpec(loaded.config, opts.period, {
          ...(opts.key ? { key: opts.key } : {}),
          ...(opts.close !== undefined ? { close: opts.close } : {}),
          resend: opts.resend,
          ...(opts.pull ? {} : { sources: [] }),
        });
        if (opts.enqueue) {
          const [{ FlowProducer }, { enqueueMonthly }, { checkEvictionPolicy }, { openRuntime }, { RunWatcher }] = await Promise.all([
            import('bullmq'), import('../../jobs/monthly/flow.ts'), import('../../jobs/redis.ts'), import('../../jobs/runtime.ts'), import('../../jobs/watch.ts'),
          ]);
          const log = createLogger({ name: 'run', stderr: true, level: process.env.LOG_LEVEL ?? 'warn' });
          const rt = openRuntime({ log, prefix: opts.prefix });
          const producer = new FlowProducer({ connection: rt.redis, prefix: rt.prefix });
          producer.on('error', () => undefined); // the connection reports Redis errors once; an unhandled 'error' would print raw
          const watcher = opts.wait ? await RunWatcher.start(rt.redis, rt.prefix) : undefined;
          try {
            await checkEvictionPolicy(rt.redis, log);
            const r = await enqueueMonthly({ queues: rt.queues, producer }, spec);
            ctx.err(
              r.added
                ? `Enqueued ${spec.key}: the workers run it; it ends with job ${r.finish.id} ("allot jobs --run ${spec.key}" shows its steps)`
                : `${spec.key} is already in the queues (job ${r.root.id}); a run's jobs are kept 90 days under its key: ` +
                    `to run the month again give it a new one, e.g. --key ${spec.key}-2`,
            );
            if (watcher) {
              const result = (await watcher.wait(rt.queues, spec.key, r.finish)) as FinishSummary;
              ctx.print({ key: spec.key, period: spec.period, finish: result }, () =>
                ctx.out(`${spec.key} finished: emails: ${result.sent} sent, ${result.failed} refused${result.closed ? `; ${spec.period} closed` : ''}`),
              );
              assertNoRefusals(spec.period, result.refused ?? []);
            } else {
              ctx.print({ key: spec.key, period: spec.period, added: r.added, finish: r.finish }, () => undefined);
            }
          } finally {
            await watcher?.close();
            await producer.close();
            await rt.close();
          }
          return;
        }
        const { runMonthlyInProcess } = await import('../../jobs/monthly/inprocess.ts');
        const log = createLogger({ name: 'run', stderr: true, level: process.env.LOG_LEVEL ?? 'warn' });
        const result = await runMonthlyInProcess(
          await ctx.db(),
          { loaded, artefactsDir: artefactsDir(ctx, opts.artefacts), log, now: () => new Date() },
          spec,
          { onStep: ctx.opts.json ? undefined : (e) => progress(ctx.err, e) },
        );
        const fin = result.steps.find((s) => s.stage === 'finish')?.result as FinishSummary | undefined;
        ctx.print(result, () => {
          const send = result.steps.filter((s) => s.stage === 'send').map((s) => s.result as { status: string; team_id: string });
          const att = result.steps.find((s) => s.stage === 'attribute')?.result as { tieout?: string } | undefined;
          const tie = att?.tieout === 'ties' ? 'ties to the invoices' : att?.tieout === 'differs' ? 'DIFFERS from an invoice' : att?.tieout ? 'not every account has an invoice' : '';
          ctx.out(
            `${spec.key}: ${result.steps.length} steps; emails: ${send.filter((s) => s.status === 'sent').length} sent, ${send.filter((s) => s.status === 'failed').length} refused` +
              `${tie ? `; tie-out: ${tie}` : ''}${fin?.closed ? `; ${spec.period} closed` : ''}; artefacts in ${artefactsDir(ctx, opts.artefacts)}/${spec.key}`,
          );
        });
        assertNoRefusals(spec.period, fin?.refused ?? []);
      }),
    );
};

function progress(err: (l: string) => void, e: StepEvent): void {
  if (e.status === 'start') return;
  if (e.status === 'retry') err(`${e.step}: ${e.error} (retrying in ${Math.round((e.waitMs ?? 0) / 1000)} s)`);
  else err(`${e.step}: ${e.status === 'done' ? 'done' : e.status === 'already-done' ? 'already done' : 'found done by an earlier run'}`);
}

/**
 * A run whose emails the server refused for good, wholly or for some
 * recipients, is done (logged, closed if asked) but not a success: exit 1,
 * naming each refusal with the server's reply and what to do.
 */
function assertNoRefusals(period: string, refused: RefusedSend[]): void {
  if (refused.length === 0) return;
  const each = refused.map((r) => `${r.team_id}${r.partial ? ' (partly)' : ''}: ${r.recipients.join(', ')}: ${r.response ?? 'no reply recorded'}`);
  throw new AllotError(
    `${refused.length} team report${refused.length === 1 ? ' was' : 's were'} refused by the SMTP server for ${period}: ${each.join('; ')}. ` +
      `Fix the addresses, then "allot send --period ${period}" sends what the send log shows as not sent` +
      (refused.some((r) => r.partial) ? ` (add --team <id> --resend for a partly refused one)` : ''),
  );
}
