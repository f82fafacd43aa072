import type { GcpPriceResult } from '../ingest/gcp/index.ts';
import type { Register } from './register.ts';
import { count } from './format.ts';

/** `allot prices gcp [--currency USD]`: list prices the value report compares against. */
export const registerPrices: Register = (program, run) => {
  const prices = program.command('prices').description('fetch provider list prices (vCPU-hour, GiB-hour) into the store');
  prices
    .command('gcp')
    .description('Compute Engine on-demand vCPU and RAM list prices by region and machine family, from the Cloud Billing Catalog API')
    .option('--currency <code>', 'currency of the prices', 'USD')
    .action((opts: { currency: string }) =>
      run(async (ctx) => {
        const store = await ctx.db({ create: true });
        const { fetchGcpPrices } = await import('../ingest/gcp/index.ts');
        const result = await fetchGcpPrices(store, { currency: opts.currency.toUpperCase() });
        ctx.print(result, () => {
          for (const line of describeGcpPrices(result)) ctx.out(line);
        });
      }),
    );
};


export function describeGcpPrices(r: GcpPriceResult): string[] {
  return [
    `${r.serviceName} (${r.service}): ${count(r.skusRead)} SKUs read, ${count(r.skusUsed)} on-demand vCPU/RAM SKUs, ` +
      `${count(r.rows)} prices stored in ${r.currency} for ${count(r.regions)} regions, replacing ${count(r.replaced)} earlier rows`,
    `  machine families: ${r.families.join(', ')}`,
    ...(r.duplicates ? [`  note: ${count(r.duplicates)} region prices were listed by more than one SKU; the latest effective one was kept`] : []),
  ];
}
