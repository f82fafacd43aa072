import type { RegisterSource } from './register.ts';
import { makeProgress, silentProgress } from './progress.ts';
import { describeDelivery, describeFileImport } from './format.ts';

/** `allot ingest focus FILE... [--skip-invalid]` */
export const registerFocus: RegisterSource = (ingest, run) => {
  ingest
    .command('focus')
    .description('import FOCUS 1.0-1.3 cost exports (CSV, gzipped CSV or Parquet): manifests, folders holding them, or loose files')
    .argument('<input...>', 'an export manifest, a folder holding manifests, or export files; all are imported, or none')
    .option('--skip-invalid', 'import the valid rows and keep the invalid ones in the rejects table', false)
    .option('--append', 'loose files add to what is stored (an incremental export) instead of restating their billing periods', false)
    .option('--replace', 'let loose files replace stored rows even where they cover fewer rows, charge days or sub-accounts', false)
    .action(async (inputs: string[], opts: { skipInvalid: boolean; append: boolean; replace: boolean }) =>
      run(async (ctx) => {
        const store = await ctx.db({ create: true });
        const progress = ctx.opts.json ? silentProgress : makeProgress(ctx.err);
        const { ingestFocusFiles } = await import('../ingest/focus/ingest.ts');
        const result = await ingestFocusFiles(store, inputs, { ...opts, progress });
        ctx.print(result, () => {
          for (const d of result.deliveries) {
            for (const line of describeDelivery(d)) ctx.out(line);
            for (const f of result.files.filter((x) => d.parts.some((p) => p.file === x.file))) ctx.out(`  ${describeFileImport(f)}`);
          }
        });
      }),
    );
};


