import { Option } from 'commander';
import { UsageError } from '../util/errors.ts';
import { table } from './format.ts';
import { periodOption } from './options.ts';
import type { Register } from './register.ts';

/**
 * `allot forecast --period P [--team T] [--as-of DAY]`: each team's cost to
 * date, its forecast to month end with a band, and its budget, per charge
 * type, from the run that speaks for the period. Reads the store only.
 */
export const registerForecast: Register = (program, run) => {
  program
    .command('forecast')
    .description('show each team\'s cost to date and forecast to month end against its budget, per charge type')
    .addOption(periodOption())
    .addOption(new Option('--team <id>', 'one team only'))
    .addOption(new Option('--as-of <YYYY-MM-DD>', 'the day to forecast from: days before it are billed (default: today, UTC)'))
    .action((opts: { period: string; team?: string; asOf?: string }) =>
      run(async (ctx) => {
        if (opts.asOf !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(opts.asOf)) throw new UsageError(`--as-of must be YYYY-MM-DD, got "${opts.asOf}"`);
        const { buildForecasts } = await import('../model/forecast/build.ts');
        const { chargeTypeTable, forecastLines } = await import('../render/forecast/text.ts');
        const series = await buildForecasts(await ctx.readDb(), ctx.config().config, opts.period, {
          ...(opts.team ? { team: opts.team } : {}),
          ...(opts.asOf ? { asOf: opts.asOf } : {}),
        });
        const forecasts = series.map((s) => s.forecast);
        ctx.print(forecasts, () => {
          forecasts.forEach((f, i) => {
            if (i > 0) ctx.out('');
            for (const l of forecastLines(f)) ctx.out(l);
            const t = chargeTypeTable(f);
            if (t.rows.length) {
              ctx.out('');
              ctx.out(table(t.head, t.rows, [1, 2, 3, 4, 5, 6]).split('\n').map((l) => `  ${l}`).join('\n'));
            }
          });
        });
      }),
    );
};
