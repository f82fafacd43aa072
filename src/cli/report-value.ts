import { join } from 'node:path';
import type { ValueReport } from '../model/value/types.ts';
import { periodOption } from './options.ts';
import type { Context } from './context.ts';
import { money, table } from './format.ts';
import type { RegisterReport } from './register.ts';

/** `allot report value --period YYYY-MM [--out DIR]`: the platform review (HTML with charts, Markdown, JSON). */
export const registerValueReport: RegisterReport = (report, run) => {
  report
    .command('value')
    .description('platform review: per capability, adoption, keep rate, what teams were charged through it and what running it themselves would have cost')
    .addOption(periodOption())
    .option('--out <dir>', 'directory for value-<period>.html, .md, .json and the chart PNGs (default out/value-<period>/)')
    .action((opts: { period: string; out?: string }) =>
      run(async (ctx) => {
        const { buildValueReport } = await import('../model/value/build.ts');
        const { valueCharts } = await import('../render/value/charts.ts');
        const { writeValueReport } = await import('../deliver/files.ts');
        const r = await buildValueReport(await ctx.readDb(), ctx.config().config, opts.period);
        const files = writeValueReport(r, opts.out ?? join('out', `value-${opts.period}`), await valueCharts(r));
        ctx.print(r, () => printValue(ctx, r, files));
      }),
    );
};

function printValue(ctx: Context, r: ValueReport, files: { html: string; markdown: string; json: string; images: string[] }): void {
  const range = (x: { low: string; high: string }) => `${money(x.low)} to ${money(x.high)}`;
  const pct = (p: string) => (p === 'n/a' ? 'n/a' : `${p}%`);
  ctx.out(r.headline);
  ctx.out(r.summary);
  ctx.out('');
  if (r.capabilities.length > 0) {
    ctx.out(
      table(
        [r.currency, 'teams using it', 'keep rate', 'platform cost', 'self-managed (base)', 'value (base)', 'value (low to high)'],
        [
          ...r.capabilities.map((c) => [
            c.name,
            `${c.current.users} of ${c.current.eligible} (${pct(c.current.market_share_pct)})`,
            c.current.keep_base === 0 ? 'n/a' : `${c.current.kept} of ${c.current.keep_base} (${pct(c.current.keep_rate_pct)})`,
            money(c.platform_cost), money(c.self_managed.base), money(c.value.base), range(c.value),
          ]),
          ['organisation', '', '', money(r.organisation.platform_cost), money(r.organisation.self_managed.base), money(r.organisation.value.base), range(r.organisation.value)],
        ],
        [3, 4, 5, 6],
      ),
    );
    ctx.out('');
  }
  ctx.out(`Shared charges outside any capability: ${money(r.shared_outside_total)} of ${money(r.shared_total)}`);
  ctx.out(`NPS: ${r.survey.nps ? `${r.survey.nps[0]!.nps} in ${r.survey.nps[0]!.quarter} (${r.survey.nps[0]!.responses} responses)` : 'not measured'}`);
  ctx.out(`Onboarding: ${r.survey.onboarding ? `median ${r.survey.onboarding[0]!.median_hours} hours to first production deploy in ${r.survey.onboarding[0]!.quarter}` : 'not measured'}`);
  ctx.out(`Spend allocated to teams: ${r.allocated_pct}% (run #${r.run_id})`);
  if (r.excluded_currencies.length > 0) ctx.out(`Only ${r.currency} is counted; ${r.excluded_currencies.join(', ')} left out.`);
  ctx.out('');
  ctx.out(`Wrote ${files.html}`);
  for (const f of [files.markdown, files.json, ...files.images]) ctx.out(`      ${f}`);
}
