import { fetchGcpPrices, type GcpPriceResult } from '../ingest/gcp/index.ts';
import type { Register } from './commands.ts';

/** `allot prices gcp [--currency USD]`: list prices the value report compares against. */
export const registerPrices: Register = (program, run) => {
  const prices = program.command('prices').description('fetch provider list prices (vCPU-hour, GiB-hour) into the store');
  prices
    .command('gcp')
    .description('Compute Engine on-demand vCPU and RAM list prices by region and machine family, from the Cloud Billing Catalog API')
    .option('--currency <code>', 'currency of the prices', 'USD')
    .action((opts: { currency: string }) =>
      run(async (ctx) => {
        const store = await ctx.db();
        const result = await fetchGcpPrices(store, { currency: opts.currency.toUpperCase() });
        ctx.print(result, () => {
          for (const line of describeGcpPrices(result)) ctx.out(line);
        });
      }),
    );
};

const n = (x: number) => x.toLocaleString('en-US');

export function describeGcpPrices(r: GcpPriceResult): string[] {
  return [
    `${r.serviceName} (${r.service}): ${n(r.skusRead)} SKUs read, ${n(r.skusUsed)} on-demand vCPU/RAM SKUs, ` +
      `${n(r.rows)} prices stored in ${r.currency} for ${n(r.regions)} regions, replacing ${n(r.replaced)} earlier rows`,
    `  machine families: ${r.families.join(', ')}`,
    ...(r.duplicates ? [`  note: ${n(r.duplicates)} region prices were listed by more than one SKU; the latest effective one was kept`] : []),
  ];
}
