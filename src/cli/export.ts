import { periodOption } from './options.ts';
import type { Register } from './register.ts';
import { registerExportBudgets } from './export-budgets.ts';

export const registerExport: Register = (program, run) => {
  const exp = program.command('export').description('write outputs for finance');
  exp
    .command('chargeback')
    .description('write the chargeback CSV (the closed run for a closed period, else the latest) and its manifest')
    .addOption(periodOption())
    .requiredOption('--out <file>', 'CSV file to write; the manifest goes next to it as <name>.manifest.json')
    .option('--run <id>', 'a specific allocation run instead of the latest (open periods only)')
    .action((opts: { period: string; out: string; run?: string }) =>
      run(async (ctx) => {
        const { buildChargebackExport } = await import('../close/close.ts');
        const { writeChargebackFiles } = await import('../close/files.ts');
        const exp = await buildChargebackExport(await ctx.readDb(), opts.period, opts.run === undefined ? undefined : Number(opts.run));
        const { manifest: manifestFile } = writeChargebackFiles(exp, opts.out);
        const { manifest } = exp;
        ctx.print({ file: opts.out, manifest_file: manifestFile, ...manifest }, () => {
          ctx.out(`Wrote ${manifest.rows} rows of run #${manifest.run_id} (${opts.period}${manifest.closed ? ', closed' : ''}) to ${opts.out}`);
          ctx.out(`Control totals: ${manifest.control_totals.map((c) => `${c.amount} ${c.currency}`).join(', ')}; sha256 ${manifest.sha256}`);
        });
      }),
    );
  exp
    .command('focus')
    .description('write the period\'s cost as FOCUS 1.3 rows, split charges replaced by their allocated charges (Parquet or CSV by the extension)')
    .addOption(periodOption())
    .requiredOption('--out <file>', 'file to write: .parquet or .csv')
    .action((opts: { period: string; out: string }) =>
      run(async (ctx) => {
        const { exportFocus, focusFormat } = await import('../export/focus/index.ts');
        focusFormat(opts.out);
        const r = await exportFocus(await ctx.readDb(), opts.period, opts.out);
        ctx.print(r, () => {
          ctx.out(`Wrote ${r.rows} FOCUS rows of run #${r.run_id} (${r.period}, ${r.cost_metric}) to ${r.file}`);
          ctx.out(`${r.origin_charges} charges (${r.line_items} line items summed per day); ${r.split_charges} of them split into ${r.split_rows} allocated rows`);
        });
      }),
    );
  registerExportBudgets(exp, run);
};
