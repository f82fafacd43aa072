import { money, plural } from './format.ts';
import type { RegisterSource } from './register.ts';

/** `allot ingest invoices FILE`: invoice totals, the tie-out's control totals. */
export const registerIngestInvoices: RegisterSource = (ingest, run) => {
  ingest
    .command('invoices')
    .description('import invoice totals (CSV: provider,billing_account_id,billing_period,currency,amount[,invoice_id]) for the tie-out')
    .argument('<file>', 'the CSV; its rows replace what was on file for the same billing account, period and currency')
    .action((file: string) =>
      run(async (ctx) => {
        const { ingestInvoices } = await import('../ingest/invoices/index.ts');
        const r = await ingestInvoices(await ctx.db({ create: true }), file);
        ctx.print(r, () => {
          ctx.out(`${file}: ${plural(r.rows, 'invoice row')} recorded${r.replaced ? `, replacing ${plural(r.replaced, 'earlier row')}` : ''}`);
          for (const t of r.totals) {
            ctx.out(`  billing account ${t.billing_account_id}, ${t.billing_period}: ${money(t.amount)} ${t.currency}${t.invoices.length ? ` (${t.invoices.join(', ')})` : ''}`);
          }
        });
      }),
    );
};
