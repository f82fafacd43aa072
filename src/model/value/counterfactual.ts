// What a team would have paid to run a capability itself: the value model's
// Kubernetes model, or a capability's own low/base/high items. Exact: decimal
// strings and BigInt units, every component rounded to cents so the parts add
// up to the totals shown.
import type { Capability, CounterfactualItem } from '../../config/capabilities.ts';
import type { Config } from '../../config/schema.ts';
import { numberString } from '../../util/decimal.ts';
import { mul, mulDiv, numberUnits, roundUnits, toUnits } from './exact.ts';
import { pick, SCENARIOS, type Prices, type Scenario } from './prices.ts';
import type { Range } from './types.ts';

export interface Component {
  name: string;
  range: Range;
}

const r2 = (u: bigint) => roundUnits(u, 2);
const range = (f: (s: Scenario) => bigint): Range => ({ low: r2(f('low')), base: r2(f('base')), high: r2(f('high')) });
const u = (s: string) => toUnits(s);

/** The Kubernetes model for one team: its charged hours ÷ utilisation at list price, control plane, toil, CI. */
export function kubernetesSelfManaged(
  config: Config, prices: Prices, hours: number, cpuH: string, memH: string, includeCi: boolean,
): Component[] {
  const vm = config.value_model;
  // capacity = hours ÷ utilisation, to 6 decimals; utilisation's high end gives the low estimate
  const cap = (h: string, s: Scenario) => u(roundUnits(mulDiv(u(h), u('1'), u(pick(vm.self_managed_utilisation, s, true))), 6));
  const out: Component[] = [
    { name: 'Compute', range: range((s) => mul(cap(cpuH, s), u(prices.cpu[s])) + mul(cap(memH, s), u(prices.mem[s]))) },
    { name: 'Control plane', range: range((s) => mul(u(pick(vm.control_plane_fee_per_hour, s)) * BigInt(hours), u(pick(vm.self_managed_clusters_per_team, s)))) },
    { name: 'Toil', range: range((s) => mul(mul(u(pick(vm.toil_hours_per_cluster_month, s)), u(pick(vm.self_managed_clusters_per_team, s))), u(pick(vm.engineer_hourly_rate, s)))) },
  ];
  if (includeCi) out.push({ name: 'CI and tooling', range: range((s) => u(pick(vm.ci_tooling_per_team_month, s))) });
  return out;
}

/** A capability's own items for one team-month; spend_ratio items multiply what the team paid through it. */
export function itemsSelfManaged(config: Config, items: CounterfactualItem[], platformCost: string): Component[] {
  const rate = config.value_model.engineer_hourly_rate;
  return items.map((it) => ({
    name: it.name,
    range: range((s) => {
      const v = numberUnits(it[s]);
      if (it.per === 'team_month') return v;
      if (it.per === 'engineer_hours') return mul(v, u(pick(rate, s)));
      return mul(v, u(platformCost));
    }),
  }));
}

/** Σ components per scenario. */
export function totalOf(components: Component[]): Range {
  const t = (s: Scenario) => r2(components.reduce((acc, c) => acc + u(c.range[s]), 0n));
  return { low: t('low'), base: t('base'), high: t('high') };
}

export function rangeMinus(a: Range, cost: string): Range {
  const m = (s: Scenario) => r2(u(a[s]) - u(cost));
  return { low: m('low'), base: m('base'), high: m('high') };
}

export function rangeSum(rs: Range[]): Range {
  const t = (s: Scenario) => r2(rs.reduce((acc, x) => acc + u(x[s]), 0n));
  return { low: t('low'), base: t('base'), high: t('high') };
}

export const ZERO: Range = { low: '0.00', base: '0.00', high: '0.00' };

/** The inputs table rows of a capability's own items. */
export function itemInputs(cap: Capability, currency: string): { name: string; low: string; base: string; high: string; unit: string; source: string }[] {
  if (cap.self_managed.model !== 'items') return [];
  const unit = { team_month: `${currency} per team-month`, engineer_hours: 'engineer hours per team-month (× engineer rate)', spend_ratio: '× the team’s spend through the capability' };
  return cap.self_managed.items.map((it, i) => ({
    name: `${cap.name}: ${it.name}`,
    low: numberString(it.low), base: numberString(it.base), high: numberString(it.high),
    unit: unit[it.per],
    source: `${it.source} (config capabilities[${cap.id}].self_managed.items[${i}])`,
  }));
}

export { SCENARIOS };
