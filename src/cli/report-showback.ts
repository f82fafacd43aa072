import { join } from 'node:path';
import { Option } from 'commander';
import type { ShowbackFile } from '../deliver/files.ts';
import { formatMoney } from '../render/team/format.ts';
import { periodOption } from './options.ts';
import type { Context } from './context.ts';
import { table } from './format.ts';
import type { RegisterReport } from './register.ts';

/**
 * `allot report showback --period YYYY-MM [--team T] [--out DIR]`: per team
 * <team>.html (charts as PNG files next to it), <team>.txt and the PNGs:
 * the same report `allot send` mails, for reading or publishing without email.
 */
export const registerShowbackReport: RegisterReport = (report, run) => {
  report
    .command('showback')
    .description('team showback/chargeback reports: <team>.html, <team>.txt and charts (what "allot send" mails)')
    .addOption(periodOption())
    .addOption(new Option('--team <id>', 'one team only'))
    .option('--out <dir>', 'directory to write into (default out/showback-<period>/)')
    .action((opts: { period: string; team?: string; out?: string }) =>
      run(async (ctx) => {
        const cfg = ctx.config().config;
        const { writeShowback } = await import('../deliver/files.ts');
        const files = await writeShowback(await ctx.readDb(), cfg, opts.period, opts.out ?? join('out', `showback-${opts.period}`), opts.team ? { team: opts.team } : {});
        ctx.print({ period: opts.period, files }, () => printFiles(ctx, files));
      }),
    );
};

function printFiles(ctx: Context, files: ShowbackFile[]): void {
  ctx.out(
    table(
      ['team', 'total', 'html', 'text'],
      files.map((f) => [f.team_id, formatMoney(f.total, f.currency, f.decimals), f.html, f.text]),
      [1],
    ),
  );
  ctx.out(`Wrote ${files.length} team report${files.length === 1 ? '' : 's'} with ${files.reduce((n, f) => n + f.images.length, 0)} charts.`);
}
