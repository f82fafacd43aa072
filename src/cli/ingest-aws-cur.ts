import type { AwsCurFileResult, InvoiceCheck } from '../ingest/aws-cur/ingest.ts';
import { count, describeFileImport, money } from './format.ts';
import type { RegisterSource } from './ingest.ts';
import { makeProgress, silentProgress } from './progress.ts';

/** `allot ingest aws-cur FILE... [--skip-invalid]` */
export const registerAwsCur: RegisterSource = (ingest, run) => {
  ingest
    .command('aws-cur')
    .description('import AWS Cost and Usage Reports (legacy CSV, gzipped too; Athena/CUR 2.0 Parquet; Hive text)')
    .argument('<file...>', 'CUR files; all are imported, or none. Files of one command that cover the same month are parts of one export')
    .option('--skip-invalid', 'import the valid rows and keep the invalid ones in the rejects table', false)
    .action(async (files: string[], opts: { skipInvalid: boolean }) =>
      run(async (ctx) => {
        const store = await ctx.db({ create: true });
        const progress = ctx.opts.json ? silentProgress : makeProgress(ctx.err);
        const { ingestAwsCurFiles } = await import('../ingest/aws-cur/ingest.ts');
        const result = await ingestAwsCurFiles(store, files, { skipInvalid: opts.skipInvalid, progress });
        ctx.print(result, () => {
          for (const r of result.files) ctx.out(describeCurImport(r));
          for (const c of result.invoice) ctx.out(describeInvoiceCheck(c));
        });
      }),
    );
};


const FLAVOUR: Record<string, string> = { legacy: 'legacy CUR', athena: 'CUR (Athena naming)', cur2: 'CUR 2.0' };

export function describeCurImport(r: AwsCurFileResult): string {
  return describeFileImport(r, `${FLAVOUR[r.flavour ?? ''] ?? 'CUR'}, ${r.format}`);
}

/** "invoice check 2018-10: BilledCost 4,064.48 USD = export's unblended total; EffectiveCost 4,195.96 USD = export's amortised total" */
export function describeInvoiceCheck(c: InvoiceCheck): string {
  const eq = (ours: string, theirs: string, what: string): string =>
    money(ours) === money(theirs) ? `= export's ${what} total` : `≠ export's ${what} total ${money(theirs)} ${c.currency}`;
  return (
    `invoice check ${c.billingPeriod}: BilledCost ${money(c.billedCost)} ${c.currency} ${eq(c.billedCost, c.exportUnblended, 'unblended')}; ` +
    `EffectiveCost ${money(c.effectiveCost)} ${c.currency} ${eq(c.effectiveCost, c.exportAmortised, 'amortised')} (${count(c.rows)} rows)`
  );
}
