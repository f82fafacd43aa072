import type { AwsCurFileResult, MappingCheck } from '../ingest/aws-cur/ingest.ts';
import { count, describeDelivery, describeFileImport, money } from './format.ts';
import type { RegisterSource } from './register.ts';
import { makeProgress, silentProgress } from './progress.ts';

/** `allot ingest aws-cur FILE... [--skip-invalid]` */
export const registerAwsCur: RegisterSource = (ingest, run) => {
  ingest
    .command('aws-cur')
    .description('import AWS Cost and Usage Reports (legacy CSV, gzipped too; Athena/CUR 2.0 Parquet; Hive text)')
    .argument('<input...>', 'a CUR manifest, a folder holding manifests, or CUR files; all are imported, or none. Loose files of one command are the parts of one delivery')
    .option('--skip-invalid', 'import the valid rows and keep the invalid ones in the rejects table', false)
    .option('--replace', 'let loose files replace stored rows even where they cover fewer rows, charge days or sub-accounts', false)
    .action(async (inputs: string[], opts: { skipInvalid: boolean; replace: boolean }) =>
      run(async (ctx) => {
        const store = await ctx.db({ create: true });
        const progress = ctx.opts.json ? silentProgress : makeProgress(ctx.err);
        const { ingestAwsCurFiles } = await import('../ingest/aws-cur/ingest.ts');
        const result = await ingestAwsCurFiles(store, inputs, { ...opts, progress });
        ctx.print(result, () => {
          for (const d of result.deliveries) {
            for (const line of describeDelivery(d)) ctx.out(line);
            for (const f of result.files.filter((x) => d.parts.some((p) => p.file === x.file))) ctx.out(`  ${describeCurImport(f)}`);
          }
          for (const c of result.mapping) ctx.out(describeMappingCheck(c));
        });
      }),
    );
};


const FLAVOUR: Record<string, string> = { legacy: 'legacy CUR', athena: 'CUR (Athena naming)', cur2: 'CUR 2.0' };

export function describeCurImport(r: AwsCurFileResult): string {
  return describeFileImport(r, `${FLAVOUR[r.flavour ?? ''] ?? 'CUR'}, ${r.format}`);
}

/** "mapping check 2018-10: BilledCost 4,064.48 USD = the files' unblended total; EffectiveCost 4,195.96 USD = the files' amortised total" */
export function describeMappingCheck(c: MappingCheck): string {
  const eq = (ours: string, theirs: string, what: string): string =>
    money(ours) === money(theirs) ? `= the files' ${what} total` : `≠ the files' ${what} total ${money(theirs)} ${c.currency}`;
  return (
    `mapping check ${c.billingPeriod}: BilledCost ${money(c.billedCost)} ${c.currency} ${eq(c.billedCost, c.exportUnblended, 'unblended')}; ` +
    `EffectiveCost ${money(c.effectiveCost)} ${c.currency} ${eq(c.effectiveCost, c.exportAmortised, 'amortised')} (${count(c.rows)} rows)`
  );
}
