import type { SchedulerInfo } from '../../jobs/schedule.ts';
import type { Register } from './register.ts';
import { table } from './format.ts';
import { prefixOption } from './worker.ts';

/**
 * `allot schedule`: the config's `schedule:` section as BullMQ job schedulers
 * in Redis: upserts the configured ones (a changed config updates them),
 * removes the ones no longer configured, and lists what is scheduled.
 */
export const registerSchedule: Register = (program, run) => {
  program
    .command('schedule')
    .description('make the job schedulers in Redis what the config\'s schedule: section says (upsert, remove the rest) and list them')
    .option('--dry-run', 'only say what would change', false)
    .addOption(prefixOption())
    .action((opts: { dryRun: boolean; prefix: string }) =>
      run(async (ctx) => {
        const loaded = ctx.config();
        const [{ createLogger }, { checkEvictionPolicy }, { openRuntime }, { syncSchedulers }] = await Promise.all([
          import('../../jobs/log.ts'), import('../../jobs/redis.ts'), import('../../jobs/runtime.ts'), import('../../jobs/schedule.ts'),
        ]);
        const log = createLogger({ name: 'schedule', stderr: true, level: process.env.LOG_LEVEL ?? 'warn' });
        const rt = openRuntime({ log, prefix: opts.prefix });
        try {
          await checkEvictionPolicy(rt.redis, log);
          const r = await syncSchedulers(rt.queues, loaded.config, { dryRun: opts.dryRun });
          ctx.print(r, () => {
            const verb = opts.dryRun ? 'would ' : '';
            if (!loaded.config.schedule) ctx.out(`No schedule: section in ${loaded.file}: nothing is scheduled.`);
            ctx.out(`${verb}upsert: ${r.upserted.join(', ') || 'none'}; unchanged: ${r.unchanged.join(', ') || 'none'}; ${verb}remove: ${r.removed.join(', ') || 'none'}`);
            if (r.schedulers.length) {
              ctx.out('');
              ctx.out(table(['scheduler', 'queue', 'job', 'when', 'time zone', 'next run (UTC)'], r.schedulers.map(row)));
            }
          });
        } finally {
          await rt.close();
        }
      }),
    );
};

function row(s: SchedulerInfo): string[] {
  const when = s.pattern ?? (s.every ? `every ${Math.round(s.every / 60_000)} min` : '');
  return [s.id, s.queue, s.name, when, s.tz ?? '', s.next ?? ''];
}
