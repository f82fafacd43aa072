import { basename } from 'node:path';
import { ingestFocusFiles, type FocusImportResult } from '../ingest/focus/ingest.ts';
import type { RegisterSource } from './ingest.ts';
import { makeProgress, silentProgress } from './progress.ts';

/** `allot ingest focus FILE... [--skip-invalid]` */
export const registerFocus: RegisterSource = (ingest, run) => {
  ingest
    .command('focus')
    .description('import FOCUS 1.0-1.2 cost exports (CSV, gzipped CSV or Parquet)')
    .argument('<file...>', 'FOCUS export files; all are imported, or none')
    .option('--skip-invalid', 'import the valid rows and keep the invalid ones in the rejects table', false)
    .action(async (files: string[], opts: { skipInvalid: boolean }) =>
      run(async (ctx) => {
        const store = await ctx.db();
        const progress = ctx.opts.json ? silentProgress : makeProgress(ctx.err);
        const results = await ingestFocusFiles(store, files, { skipInvalid: opts.skipInvalid, progress });
        ctx.print(results, () => {
          for (const r of results) ctx.out(describe(r));
        });
      }),
    );
};

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function describe(r: FocusImportResult): string {
  const name = basename(r.file);
  if (r.status === 'noop') return `${name}: already imported as #${r.sameAs}; nothing changed`;
  const parts = [`${name}: import #${r.importId}: ${plural(r.rowsLoaded, 'row')} imported`];
  if (r.rowsRejected > 0) parts.push(`${plural(r.rowsRejected, 'row')} rejected (see the rejects table, import_id ${r.importId})`);
  if (r.replaced.length) parts.push(`replaces rows of import ${r.replaced.map((id) => `#${id}`).join(', ')}`);
  return parts.join(', ');
}
