import type { RegisterSource } from './ingest.ts';
import { makeProgress, silentProgress } from './progress.ts';
import { describeFileImport } from './format.ts';

/** `allot ingest focus FILE... [--skip-invalid]` */
export const registerFocus: RegisterSource = (ingest, run) => {
  ingest
    .command('focus')
    .description('import FOCUS 1.0-1.2 cost exports (CSV, gzipped CSV or Parquet)')
    .argument('<file...>', 'FOCUS export files; all are imported, or none')
    .option('--skip-invalid', 'import the valid rows and keep the invalid ones in the rejects table', false)
    .action(async (files: string[], opts: { skipInvalid: boolean }) =>
      run(async (ctx) => {
        const store = await ctx.db({ create: true });
        const progress = ctx.opts.json ? silentProgress : makeProgress(ctx.err);
        const { ingestFocusFiles } = await import('../ingest/focus/ingest.ts');
        const results = await ingestFocusFiles(store, files, { skipInvalid: opts.skipInvalid, progress });
        ctx.print(results, () => {
          for (const r of results) ctx.out(describeFileImport(r));
        });
      }),
    );
};


