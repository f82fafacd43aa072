import type { Command } from 'commander';
import { periodOption } from './options.ts';
import type { RunCommand } from './register.ts';

/** `allot export budgets --period P --out FILE`: budget against actual per team, with a manifest. */
export function registerExportBudgets(exp: Command, run: RunCommand): void {
  exp
    .command('budgets')
    .description('write budget against actual per team (CSV) and its manifest; the chargeback CSV is not changed')
    .addOption(periodOption())
    .requiredOption('--out <file>', 'CSV file to write; the manifest goes next to it as <name>.manifest.json')
    .action((opts: { period: string; out: string }) =>
      run(async (ctx) => {
        const { buildBudgetsExport, writeBudgetsFiles } = await import('../close/budgets.ts');
        const e = await buildBudgetsExport(await ctx.readDb(), ctx.config().config, opts.period);
        const { manifest: manifestFile } = writeBudgetsFiles(e, opts.out);
        const m = e.manifest;
        ctx.print({ file: opts.out, manifest_file: manifestFile, ...m }, () => {
          ctx.out(`Wrote ${m.rows} team rows of run #${m.run_id} (${opts.period}${m.closed ? ', closed' : ''}) to ${opts.out}`);
          ctx.out(`Totals: ${m.control_totals.map((c) => `budget ${c.budget} ${c.currency}, actual ${c.actual} ${c.currency}`).join('; ')}; sha256 ${m.sha256}`);
        });
      }),
    );
}
