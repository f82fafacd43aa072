import { join, resolve } from 'node:path';
import type { Register } from './register.ts';

export const registerDemo: Register = (program, run) => {
  program
    .command('demo')
    .description('run the whole job on a seeded demo organisation (embedded DuckDB; no cloud, no Redis)')
    .option('--out <dir>', 'where to write the demo store, inputs and outputs', 'demo-out')
    .option('--seed <n>', 'seed of the generated organisation', '42')
    .option('--period <YYYY-MM>', 'the month to report on (the last generated month)', '2026-10')
    .action((opts: { out: string; seed: string; period: string }) =>
      run(async (ctx) => {
        const out = resolve(opts.out);
        const { runDemo } = await import('../demo/run.ts');
        const { printAttribution } = await import('./attribute.ts');
        const quiet = ctx.opts.json;
        const summary = await runDemo({
          out,
          seed: Number(opts.seed),
          period: opts.period,
          log: quiet ? () => undefined : ctx.out,
          onAttributed: quiet ? undefined : (r) => { ctx.out(''); printAttribution(ctx, r); },
        });
        ctx.print(summary, () => {
          ctx.out('');
          ctx.out(`Everything is in ${opts.out}/ — try: npx allot --db ${join(opts.out, 'allot.duckdb')} --config ${join(opts.out, 'inputs', 'allot.yaml')} explain --period ${opts.period} --team ${summary.example_team}`);
        });
      }),
    );
};
