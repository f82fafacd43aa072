import { join } from 'node:path';
import type { ValueReport } from '../model/value/types.ts';
import { periodOption } from './options.ts';
import type { Context } from './context.ts';
import { money, table } from './format.ts';
import type { RegisterReport } from './register.ts';

/** `allot report value --period YYYY-MM [--out DIR]`: the platform value report (HTML, Markdown, JSON). */
export const registerValueReport: RegisterReport = (report, run) => {
  report
    .command('value')
    .description('platform value: what each team would have paid to run its Kubernetes itself, against what the platform charged')
    .addOption(periodOption())
    .option('--out <dir>', 'directory for value-<period>.html, .md and .json (default out/value-<period>/)')
    .action((opts: { period: string; out?: string }) =>
      run(async (ctx) => {
        const { buildValueReport } = await import('../model/value/build.ts');
        const { writeValueReport } = await import('../deliver/files.ts');
        const r = await buildValueReport(await ctx.readDb(), ctx.config().config, opts.period);
        const files = writeValueReport(r, opts.out ?? join('out', `value-${opts.period}`));
        ctx.print(r, () => printValue(ctx, r, files));
      }),
    );
};

function printValue(ctx: Context, r: ValueReport, files: { html: string; markdown: string; json: string }): void {
  const range = (x: { low: string; high: string }) => `${money(x.low)} to ${money(x.high)}`;
  ctx.out(r.headline);
  ctx.out(r.summary);
  ctx.out('');
  const o = r.organisation;
  ctx.out(
    table(
      [r.currency, 'platform cost', 'self-managed (base)', 'self-managed (low to high)', 'value (base)', 'value (low to high)'],
      [['organisation', money(o.platform_cost), money(o.self_managed.base), range(o.self_managed), money(o.value.base), range(o.value)]],
      [1, 2, 3, 4, 5],
    ),
  );
  ctx.out('');
  const a = r.adoption;
  ctx.out(`Teams on the platform's Kubernetes: ${a.teams_on_kubernetes} of ${a.teams_total} (${a.market_share_pct}%)`);
  ctx.out(
    a.keep_rate_run_id === null
      ? `Keep rate since ${a.keep_rate_period}: n/a (no allocation run for that period)`
      : `Keep rate since ${a.keep_rate_period}: ${a.teams_still_active} of ${a.teams_active_90d_ago} (${a.keep_rate_pct}${a.keep_rate_pct === 'n/a' ? '' : '%'})`,
  );
  ctx.out(`Spend allocated to teams: ${a.allocated_pct}% (run #${r.run_id})`);
  if (r.excluded_currencies.length > 0) ctx.out(`Only ${r.currency} is counted; ${r.excluded_currencies.join(', ')} left out.`);
  ctx.out('');
  ctx.out(`Wrote ${files.html}`);
  ctx.out(`      ${files.markdown}`);
  ctx.out(`      ${files.json}`);
}
