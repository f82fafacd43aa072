import { money, plural } from './format.ts';
import type { RegisterSource } from './register.ts';

/** `allot ingest budgets FILE`: finance's monthly budgets per team. */
export const registerIngestBudgets: RegisterSource = (ingest, run) => {
  ingest
    .command('budgets')
    .description('import monthly budgets per team (CSV: team_id,period,currency,amount[,charge_type]; period YYYY-MM or YYYY-MM..YYYY-MM)')
    .argument('<file>', 'the CSV; for each team and month it names, it replaces what was on file and the config\'s budget:')
    .action((file: string) =>
      run(async (ctx) => {
        const { ingestBudgets } = await import('../ingest/budgets/index.ts');
        const r = await ingestBudgets(await ctx.db({ create: true }), ctx.config().config, file);
        ctx.print(r, () => {
          ctx.out(`${file}: ${plural(r.rows, 'budget row')} recorded (${plural(r.months, 'team-month')})${r.replaced ? `, replacing ${plural(r.replaced, 'earlier row')}` : ''}`);
          for (const b of r.budgets) ctx.out(`  ${b.team_id} ${b.period}${b.charge_type ? ` ${b.charge_type}` : ''}: ${money(b.amount)} ${b.currency}`);
        });
      }),
    );
};
