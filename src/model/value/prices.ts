// On-demand compute prices for the Kubernetes counterfactual, and how a
// scenario picks an end of each input's range.
import type { Config, Estimate } from '../../config/schema.ts';
import type { Store } from '../../store/db.ts';
import { sqlFolder } from '../../store/sql.ts';
import { numberString, trimDecimal } from '../../util/decimal.ts';
import { addMonths } from '../../util/period.ts';

const sql = sqlFolder(new URL('./sql/', import.meta.url));

export const SCENARIOS = ['low', 'base', 'high'] as const;
export type Scenario = (typeof SCENARIOS)[number];

/** Google's general-purpose machine families (compute-optimised, memory-optimised and GPU families are left out). */
const GENERAL_PURPOSE = ['e2', 'n1', 'n2', 'n2d', 'n4', 'n4d', 'n4a', 'c3', 'c3d', 'c4', 'c4a', 'c4d', 't2d', 't2a'];

/** Ratio used to rank families: the price of 1 vCPU + 4 GiB, the general-purpose "standard" shape. */
const REFERENCE_GIB_PER_CORE = 4;

/**
 * Picks an input's value for a scenario. `low` is the cheapest plausible
 * self-managed estimate, so it takes the low end of every input that raises
 * the cost and the high end of utilisation (which lowers it); `high` the reverse.
 */
export function pick(e: Estimate, scenario: Scenario, lowersCost = false): string {
  const end = scenario === 'base' ? 'base' : (scenario === 'low') !== lowersCost ? 'low' : 'high';
  return numberString(e[end]);
}

export function periodHours(period: string): number {
  const [y, m] = period.split('-').map(Number) as [number, number];
  return (Date.UTC(y, m, 1) - Date.UTC(y, m - 1, 1)) / 3_600_000;
}


export interface Prices {
  cpu: Record<Scenario, string>;
  mem: Record<Scenario, string>;
  cpuSource: string;
  memSource: string;
  from: 'list_prices' | 'config';
  note: string;
}

/**
 * On-demand list prices: the cheapest general-purpose GCP family in `list_prices`
 * (migration 002, filled by `allot prices gcp`), else the config’s. The table is
 * optional: a store without it prices from the config.
 */
export async function choosePrices(store: Store, config: Config, currency: string, period: string): Promise<Prices> {
  const vm = config.value_model;
  const fromConfig = (note: string): Prices => ({
    cpu: { low: pick(vm.cpu_core_hour_price, 'low'), base: pick(vm.cpu_core_hour_price, 'base'), high: pick(vm.cpu_core_hour_price, 'high') },
    mem: { low: pick(vm.memory_gib_hour_price, 'low'), base: pick(vm.memory_gib_hour_price, 'base'), high: pick(vm.memory_gib_hour_price, 'high') },
    cpuSource: `${vm.cpu_core_hour_price.source} (config value_model.cpu_core_hour_price)`,
    memSource: `${vm.memory_gib_hour_price.source} (config value_model.memory_gib_hour_price)`,
    from: 'config',
    note,
  });
  const exists = await store.one<{ n: string }>(sql('has-list-prices'));
  if (Number(exists?.n ?? 0) === 0) return fromConfig('No GCP list prices in the store (“allot prices gcp” has not run): compute is priced with the config’s value_model prices.');

  const row = await store.one<{
    family: string; region: string | null; cpu_price: string; mem_price: string;
    cpu_sku: string; cpu_desc: string; cpu_unit: string; cpu_eff: string | null; cpu_fetched: string | null;
    mem_sku: string; mem_desc: string; mem_unit: string; mem_eff: string | null; mem_fetched: string | null;
  }>(sql('list-price'), {
    currency,
    end: `${addMonths(period, 1)}-01 00:00:00`,
    families: JSON.stringify(GENERAL_PURPOSE),
    gib_per_core: REFERENCE_GIB_PER_CORE,
  });
  if (!row) {
    return fromConfig(
      `list_prices has no on-demand general-purpose GCP CPU and memory prices in ${currency}: compute is priced with the config’s value_model prices.`,
    );
  }
  const cite = (desc: string, sku: string, unit: string, eff: string | null, fetched: string | null) =>
    `GCP on-demand list price “${desc}” (SKU ${sku}${row.region ? `, ${row.region}` : ''}${unit ? `, per ${unit}` : ''}), ` +
    `${eff ? `effective ${eff.slice(0, 10)}` : 'no effective date given'}${fetched ? `, fetched ${fetched.slice(0, 10)}` : ''}`;
  const cpu = trimDecimal(row.cpu_price);
  const mem = trimDecimal(row.mem_price);
  return {
    cpu: { low: cpu, base: cpu, high: cpu },
    mem: { low: mem, base: mem, high: mem },
    cpuSource: cite(row.cpu_desc, row.cpu_sku, row.cpu_unit, row.cpu_eff, row.cpu_fetched),
    memSource: cite(row.mem_desc, row.mem_sku, row.mem_unit, row.mem_eff, row.mem_fetched),
    from: 'list_prices',
    note:
      `Compute is priced at ${row.family}${row.region ? ` in ${row.region}` : ''}, the cheapest general-purpose on-demand machine family in the stored GCP list prices ` +
      `(ranked by the price of 1 vCPU + ${REFERENCE_GIB_PER_CORE} GiB; spot, committed-use, custom and sole-tenant SKUs left out) — ` +
      `the conservative choice: it makes self-managed look as cheap as it plausibly could.`,
  };
}

