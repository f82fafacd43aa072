import { periodOption } from './options.ts';
import { printTieOut } from './attribute.ts';
import type { Register } from './register.ts';
import { money } from './format.ts';

/** `allot tieout show --period P` prints the tie-out; `allot tieout aws-ce --period P` records Cost Explorer's total first. */
export const registerTieOut: Register = (program, run) => {
  const cmd = program.command('tieout').description('the stored bill (BilledCost) against invoices and other control totals');
  cmd
    .command('show')
    .description('print the tie-out of a billing period and how complete it looks')
    .addOption(periodOption())
    .action((opts: { period: string }) =>
      run(async (ctx) => {
        const { tieOut } = await import('../allocate/tieout.ts');
        const t = await tieOut(await ctx.readDb(), opts.period);
        ctx.print(t, () => printTieOut(ctx, t));
      }),
    );
  cmd
    .command('aws-ce')
    .description("record Cost Explorer's unblended total of the month as a control total for a payer account (one API request, $0.01)")
    .addOption(periodOption())
    .requiredOption('--billing-account <id>', 'the payer account: the BillingAccountId of its line items')
    .action((opts: { period: string; billingAccount: string }) =>
      run(async (ctx) => {
        const { pullCostExplorerTotal } = await import('../ingest/aws-ce/total.ts');
        const { tieOut } = await import('../allocate/tieout.ts');
        const store = await ctx.db();
        const r = await pullCostExplorerTotal(store, { period: opts.period, billingAccount: opts.billingAccount });
        const t = await tieOut(store, opts.period);
        ctx.print({ total: r, tieout: t }, () => {
          ctx.out(
            `Cost Explorer: ${r.period} unblended total ${money(r.amount)} ${r.currency} for payer ${r.billingAccount}` +
              `${r.partial ? ' (month to date)' : ''}${r.estimated ? ' (AWS marks it estimated)' : ''}${r.replaced ? ', replacing the earlier total' : ''}`,
          );
          printTieOut(ctx, t);
        });
      }),
    );
};
