import { Option } from 'commander';
import type { AttributionResult } from '../allocate/run.ts';
import type { Register } from './commands.ts';
import type { Context } from './context.ts';
import { money, table } from './format.ts';

export const periodOption = () => new Option('--period <YYYY-MM>', 'billing month (UTC)').makeOptionMandatory();

export const registerAttribute: Register = (program, run) => {
  program
    .command('attribute')
    .description('attribute the period\'s cost to teams (the four steps of the contract) and check it reconciles')
    .addOption(periodOption())
    .action((opts: { period: string }) =>
      run(async (ctx) => {
        const config = ctx.config(); // validate before the store is opened or created
        const { attribute } = await import('../allocate/run.ts');
        const result = await attribute(await ctx.db(), config, opts.period);
        ctx.print(result, () => printAttribution(ctx, result));
      }),
    );
};

/** The per-team table, % allocated, top unallocated reasons and the reconciliation line. */
export function printAttribution(ctx: Context, r: AttributionResult): void {
  ctx.out(`Period ${r.period} — run #${r.runId}, ${r.lineItems} line items, cost measure ${r.costMetric}`);
  ctx.out('');
  ctx.out(
    table(
      ['team', 'currency', 'total', 'direct', 'kubernetes', 'idle', 'shared', 'unallocated'],
      r.teams.map((t) => [t.team_id, t.currency, money(t.total), money(t.direct), money(t.kubernetes), money(t.idle), money(t.shared), money(t.unallocated)]),
      [2, 3, 4, 5, 6, 7],
    ),
  );
  ctx.out('');
  for (const t of r.totals) {
    const pct = r.allocatedPercent.find((p) => p.currency === t.currency)?.percent ?? '0';
    ctx.out(`${t.currency}: bill ${money(t.bill_rounded)}, allocated ${pct}% to teams; rows sum to ${money(t.allocated_rounded)} — ${t.ok ? 'reconciles to the cent' : 'DOES NOT RECONCILE'}`);
  }
  if (r.unallocatedReasons.length > 0) {
    ctx.out('');
    ctx.out('Top unallocated reasons:');
    for (const u of r.unallocatedReasons.slice(0, 5)) ctx.out(`  ${money(u.amount).padStart(14)} ${u.currency}  ${u.reason} (${u.line_items} line items)`);
  }
}
