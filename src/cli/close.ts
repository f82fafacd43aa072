import { userInfo } from 'node:os';
import { periodOption } from './options.ts';
import type { Register } from './register.ts';

const actor = () => process.env.ALLOT_ACTOR ?? userInfo().username;

export const registerClose: Register = (program, run) => {
  program
    .command('close')
    .description('freeze a period for finance: its run, rows and CSV hash are recorded and never change')
    .addOption(periodOption())
    .option('--accept-variance <reason>', 'close although the stored bill differs from its invoice (the reason is logged)')
    .action((opts: { period: string; acceptVariance?: string }) =>
      run(async (ctx) => {
        const { closePeriod } = await import('../close/close.ts');
        const c = await closePeriod(await ctx.db(), opts.period, { actor: actor(), acceptVariance: opts.acceptVariance });
        ctx.print(c, () => {
          ctx.out(`Closed ${c.period} at run #${c.run_id}: ${c.rows} rows, CSV sha256 ${c.csv_sha256}. Late data for it becomes adjustments in the next open period.`);
          const t = c.tieout;
          if (t?.status === 'ties') ctx.out(`Tie-out: every billing account ties to its invoice or control total.`);
          else if (t?.accepted_variance) ctx.out(`Tie-out: differs from the invoice; variance accepted: ${t.accepted_variance}`);
          else if (t) ctx.out(`Tie-out: incomplete — ${t.lines.filter((l) => l.status === 'no-control').map((l) => `billing account ${l.billing_account_id} (${l.currency}) has no invoice on file`).join('; ')}`);
        });
      }),
    );
  program
    .command('reopen')
    .description('reopen a closed period (logged with its reason)')
    .addOption(periodOption())
    .requiredOption('--reason <text>', 'why the closed period must change (kept in the close log)')
    .action((opts: { period: string; reason: string }) =>
      run(async (ctx) => {
        const { reopenPeriod } = await import('../close/close.ts');
        await reopenPeriod(await ctx.db(), opts.period, opts.reason, actor());
        ctx.out(`Reopened ${opts.period}: ${opts.reason}`);
      }),
    );
};
