import { resolveCapabilities, type Capability, type UsageMatch } from '../../config/capabilities.ts';
import type { Config, Estimate } from '../../config/schema.ts';
import type { Store } from '../../store/db.ts';
import { sqlFolder } from '../../store/sql.ts';
import { periodRunId, requirePeriodRunId } from '../../store/runs.ts';
import { compareDecimal, formatMoney, isNegative, isZero, numberString } from '../../util/decimal.ts';
import { AllotError } from '../../util/errors.ts';
import { addMonths, type Period } from '../../util/period.ts';
import { adoptionSeries, type AdoptionMonth } from './adoption.ts';
import { capabilityCosts, capabilityMatches, loadRunCostData, overlappingCapabilities, sharedOutsideCapabilities, type RunCostData } from './capability-cost.ts';
import { itemInputs, itemsSelfManaged, kubernetesSelfManaged, rangeMinus, rangeSum, totalOf, ZERO, type Component } from './counterfactual.ts';
import { mulDiv, roundUnits, toUnits } from './exact.ts';
import { choosePrices, periodHours, type Prices } from './prices.ts';
import { loadSurvey } from './survey.ts';
import type { CapabilityTeam, CapabilityValue, Range, SharedOutside, TeamSummary, ValueInput, ValueReport } from './types.ts';

export { periodHours };

// The platform review: per capability, what reached each team because of it
// (never a whole shared pool: only the part that came from the capability),
// what running it alone would have cost, and adoption month by month.
// Money stays decimal: DuckDB DECIMAL read as strings, BigInt units in TS.

const sql = sqlFolder(new URL('./sql/', import.meta.url));

/** Months of trend shown, ending with the period. */
export const TREND_MONTHS = 12;
/** Months looked back for a team's first use (keep rate). */
const HISTORY_MONTHS = 36;

const money = (a: string, c: string, d = 0) => formatMoney(a, c, d);
const sum2 = (xs: string[]) => roundUnits(xs.reduce((t, x) => t + toUnits(x), 0n), 2);

interface Run {
  run_id: number;
  cost_metric: string;
}

/** One capability in one month: every team it reached and who used it. */
interface CapabilityMonth {
  teams: CapabilityTeam[];
  users: Set<string>;
  platform_cost: string;
  non_users: string;
  self_managed: Range;
  value: Range;
}

interface MonthFigures {
  period: string;
  run: Run;
  data: RunCostData;
  prices: Prices | null;
  caps: Map<string, CapabilityMonth>;
}

/** Builds the review of a period from its run (see periodRunId) and the months before it. Throws AllotError when the period has no run. */
export async function buildValueReport(store: Store, config: Config, period: Period): Promise<ValueReport> {
  const vm = config.value_model;
  if (vm.self_managed_utilisation.low <= 0) {
    throw new AllotError('value_model.self_managed_utilisation.low must be above 0 (capacity is usage ÷ utilisation)');
  }
  const runId = await requirePeriodRunId(store, period);
  const run = (await store.one<Run>(sql('run-info'), [runId]))!;
  const currencies = (await store.all<{ currency: string }>(sql('run-currency'), [runId])).map((c) => c.currency);
  const currency = currencies[0] ?? 'USD';
  const { capabilities: caps, derived } = resolveCapabilities(config);

  // Configured teams, then any team of the run the config no longer lists.
  const names = new Map(config.teams.map((t) => [t.id, t.name]));
  for (const t of await store.all<{ team_id: string; team_name: string }>(sql('run-teams'), [runId])) if (!names.has(t.team_id)) names.set(t.team_id, t.team_name);

  // Every month with a run up to the period (at most HISTORY_MONTHS back): first use needs the history.
  const months: { period: string; run: Run | null }[] = [];
  for (let i = HISTORY_MONTHS - 1; i >= 0; i--) {
    const p = addMonths(period, -i);
    const id = i === 0 ? runId : await periodRunId(store, p);
    months.push({ period: p, run: id === undefined ? null : (await store.one<Run>(sql('run-info'), [id]))! });
  }
  const firstRun = months.findIndex((m) => m.run !== null);
  const window = months.slice(firstRun);
  const trendStart = addMonths(period, -(TREND_MONTHS - 1));

  const figures = new Map<string, MonthFigures>();
  for (const m of window) {
    if (!m.run) continue;
    const withValue = m.period >= trendStart;
    figures.set(m.period, await monthFigures(store, config, caps, m.period, m.run, currency, names, withValue));
  }
  const now = figures.get(period)!;

  const capabilities: CapabilityValue[] = caps.map((cap) => {
    const eligibleIds = cap.eligible_teams ?? config.teams.map((t) => t.id);
    const series = adoptionSeries(
      window.map((m) => ({ period: m.period, run_id: m.run?.run_id ?? null, users: figures.get(m.period)?.caps.get(cap.id)?.users ?? new Set() })),
      new Set(eligibleIds),
      vm.keep_rate_days,
    ).filter((a) => a.period >= trendStart);
    const c = now.caps.get(cap.id)!;
    return {
      id: cap.id,
      name: cap.name,
      model: cap.self_managed.model,
      usage: cap.usage.map(usageText),
      eligible: eligibleIds.map((id) => ({ team_id: id, team_name: names.get(id) ?? id })),
      teams: c.teams,
      platform_cost: c.platform_cost,
      platform_cost_non_users: c.non_users,
      self_managed: c.self_managed,
      value: c.value,
      current: series.at(-1)!,
      adoption: series,
      trend: series.map((a) => {
        const f = figures.get(a.period)?.caps.get(cap.id);
        return { period: a.period, run_id: a.run_id, spend: f ? f.platform_cost : null, value: f ? f.value : null };
      }),
      inputs: itemInputs(cap, currency),
    };
  });

  // Shared charges no capability took, per pool.
  const outside = sharedOutsideCapabilities(now.data, caps);
  const byPool = new Map<string, SharedOutside & { units: bigint; ids: Set<string> }>();
  for (const o of outside) {
    const p = byPool.get(o.pool) ?? { pool: o.pool, service: o.service, amount: '0.00', teams: 0, units: 0n, ids: new Set<string>() };
    p.units += toUnits(o.amount);
    p.ids.add(o.team_id);
    byPool.set(o.pool, p);
  }
  const shared_outside = [...byPool.values()]
    .map((p) => ({ pool: p.pool, service: p.service, amount: roundUnits(p.units, 2), teams: p.ids.size }))
    .sort((a, b) => compareDecimal(b.amount, a.amount) || a.pool.localeCompare(b.pool));
  const sharedTotal = sum2(now.data.rows.filter((r) => r.charge_type === 'shared').map((r) => r.amount));

  const teams: TeamSummary[] = [...names].map(([team_id, team_name]) => {
    const mine = capabilities.map((c) => ({ c, t: c.teams.find((t) => t.team_id === team_id) }));
    return {
      team_id,
      team_name,
      uses: mine.filter((x) => x.t?.uses).map((x) => x.c.name),
      platform_cost: sum2(mine.map((x) => x.t?.platform_cost ?? '0')),
      value: rangeSum(mine.map((x) => (x.t?.uses ? x.t.value : ZERO))),
      shared_outside: sum2(outside.filter((o) => o.team_id === team_id).map((o) => o.amount)),
    };
  }).sort((a, b) => b.uses.length - a.uses.length || compareDecimal(b.value.base, a.value.base) || a.team_id.localeCompare(b.team_id));

  const allocated = (await store.one<{ part: string; whole: string }>(sql('allocated'), [runId, currency]))!;
  const allocatedPct = toUnits(allocated.whole) === 0n ? '100.00' : roundUnits(mulDiv(toUnits(allocated.part), toUnits('100'), toUnits(allocated.whole)), 2);

  const report: ValueReport = {
    period,
    run_id: runId,
    currency,
    cost_metric: run.cost_metric,
    hours_in_period: periodHours(period),
    price_source: now.prices?.from ?? 'config',
    excluded_currencies: currencies.slice(1),
    capabilities_derived: derived,
    capabilities,
    teams,
    organisation: {
      platform_cost: sum2(capabilities.map((c) => c.platform_cost)),
      self_managed: rangeSum(capabilities.map((c) => c.self_managed)),
      value: rangeSum(capabilities.map((c) => c.value)),
    },
    shared_outside,
    shared_outside_total: sum2(shared_outside.map((s) => s.amount)),
    shared_total: sharedTotal,
    survey: await loadSurvey(store, period),
    allocated_pct: allocatedPct,
    inputs: [],
    method: [],
    headline: '',
    summary: '',
  };
  report.inputs = valueInputs(config, caps, now.prices, currency, period);
  report.method = methodLines(report, config, now.prices, now.data);
  const unallocatedK8s = (await store.one<{ amount: string }>(sql('unallocated-kubernetes'), [runId, currency]))?.amount ?? '0.00';
  if (!isZero(unallocatedK8s) && caps.some((c) => c.self_managed.model === 'kubernetes')) {
    report.method.push(`${money(unallocatedK8s, currency, 2)} of Kubernetes cost is unallocated (no owning team) and is in no capability's cost.`);
  }
  const overlaps = overlappingCapabilities(now.data, caps);
  if (overlaps.length) {
    report.method.push(`Some charges match more than one capability (${overlaps.join('; ')}): they count in each, so the organisation's total counts them more than once.`);
  }
  report.headline = headline(report);
  report.summary = summary(report);
  return report;
}

/** Each capability's figures for one month. `withValue`: also the self-managed estimates (months of the trend). */
async function monthFigures(
  store: Store, config: Config, caps: Capability[], period: string, run: Run, currency: string,
  names: Map<string, string>, withValue: boolean,
): Promise<MonthFigures> {
  const data = await loadRunCostData(store, run.run_id, currency, run.cost_metric, caps);
  const k8s = caps.some((c) => c.self_managed.model === 'kubernetes');
  const prices = withValue && k8s ? await choosePrices(store, config, currency, period) : null;
  const usage = k8s ? await store.all<{ team_id: string; cluster: string; namespace: string; cpu_h: string; mem_h: string }>(sql('ns-usage'), [run.run_id, currency]) : [];
  const hours = periodHours(period);
  const out = new Map<string, CapabilityMonth>();
  for (const cap of caps) {
    const costs = capabilityCosts(data, cap);
    const users = new Set([...costs.values()].filter((c) => c.uses).map((c) => c.team_id));
    // Kubernetes: the team's namespaces in the capability's clusters; owning one with capacity is using it.
    const hoursOf = new Map<string, { cpu: string[]; mem: string[] }>();
    if (cap.self_managed.model === 'kubernetes') {
      for (const n of usage) {
        const unit = { cluster: n.cluster, namespace: n.namespace, pool: null, service: `Kubernetes (${n.cluster})`, account: null, tags: null };
        if (!capabilityMatches(cap, unit)) continue;
        const h = hoursOf.get(n.team_id) ?? { cpu: [], mem: [] };
        h.cpu.push(n.cpu_h);
        h.mem.push(n.mem_h);
        hoursOf.set(n.team_id, h);
        if (!isZero(n.cpu_h) || !isZero(n.mem_h)) users.add(n.team_id);
      }
    }
    const teamIds = new Set([...costs.keys(), ...users]);
    const teams: CapabilityTeam[] = [...teamIds].map((id) => {
      const c = costs.get(id);
      const uses = users.has(id);
      const platform = c?.cost ?? '0.00';
      const h = hoursOf.get(id);
      const cpu = h ? roundUnits(h.cpu.reduce((t, x) => t + toUnits(x), 0n), 6) : '0';
      const mem = h ? roundUnits(h.mem.reduce((t, x) => t + toUnits(x), 0n), 6) : '0';
      let components: Component[] = [];
      if (uses && withValue) {
        components = cap.self_managed.model === 'kubernetes'
          ? kubernetesSelfManaged(config, prices!, hours, cpu, mem, cap.self_managed.include_ci_tooling)
          : itemsSelfManaged(config, cap.self_managed.items, platform);
      }
      const self = uses && withValue ? totalOf(components) : ZERO;
      const byType = new Map<string, string[]>();
      for (const p of c?.parts ?? []) byType.set(p.charge_type, [...(byType.get(p.charge_type) ?? []), p.amount]);
      const team: CapabilityTeam = {
        team_id: id,
        team_name: names.get(id) ?? id,
        uses,
        platform_cost: platform,
        by_charge_type: ['direct', 'kubernetes', 'idle', 'shared'].filter((t) => byType.has(t)).map((t) => ({ charge_type: t, amount: sum2(byType.get(t)!) })),
        parts: c?.parts ?? [],
        cpu_core_hours: cap.self_managed.model === 'kubernetes' ? roundUnits(toUnits(cpu), 2) : null,
        mem_gib_hours: cap.self_managed.model === 'kubernetes' ? roundUnits(toUnits(mem), 2) : null,
        components,
        self_managed: self,
        value: uses && withValue ? rangeMinus(self, platform) : ZERO,
        note: '',
      };
      team.note = teamNote(team, cap, period, currency);
      return team;
    });
    teams.sort((a, b) => (a.uses !== b.uses ? (a.uses ? -1 : 1) : compareDecimal(b.value.base, a.value.base) || compareDecimal(b.platform_cost, a.platform_cost) || a.team_id.localeCompare(b.team_id)));
    const platform_cost = sum2(teams.map((t) => t.platform_cost));
    const non_users = sum2(teams.filter((t) => !t.uses).map((t) => t.platform_cost));
    const self_managed = rangeSum(teams.map((t) => t.self_managed));
    out.set(cap.id, { teams, users, platform_cost, non_users, self_managed, value: rangeMinus(self_managed, platform_cost) });
  }
  return { period, run, data, prices, caps: out };
}

function usageText(m: UsageMatch): string {
  const parts: string[] = [];
  const list = (xs: string[]) => xs.join(', ');
  if (m.clusters) parts.push(`clusters ${list(m.clusters)}`);
  if (m.namespaces) parts.push(`namespaces ${list(m.namespaces)}`);
  if (m.shared_pools) parts.push(`shared pools ${list(m.shared_pools)}`);
  if (m.services) parts.push(`services ${list(m.services)}`);
  if (m.accounts) parts.push(`accounts ${list(m.accounts)}`);
  if (m.tags) parts.push(`tags ${Object.entries(m.tags).map(([k, v]) => `${k}=${v}`).join(', ')}`);
  return parts.join(' and ');
}

function teamNote(t: CapabilityTeam, cap: Capability, period: string, currency: string): string {
  const m = (a: string) => money(a, currency);
  if (!t.uses) {
    return isZero(t.platform_cost)
      ? `Did not use ${cap.name} in ${period}.`
      : `Did not use ${cap.name} in ${period}, yet ${money(t.platform_cost, currency, 2)} of its cost reached the team through shared pools; no value is counted.`;
  }
  if (isNegative(t.value.high)) return `Running it alone would have cost less than the platform charged on every estimate (by ${m(t.value.high.slice(1))} to ${m(t.value.low.slice(1))}).`;
  if (isNegative(t.value.base)) return `On the base estimate, running it alone would have cost ${m(t.value.base.slice(1))} less than the platform charged.`;
  if (isNegative(t.value.low)) return `On the low estimate, running it alone would have cost ${m(t.value.low.slice(1))} less than the platform charged.`;
  return '';
}

function valueInputs(config: Config, caps: Capability[], prices: Prices | null, currency: string, period: string): ValueInput[] {
  const vm = config.value_model;
  const est = (name: string, e: Estimate, unit: string, key: string): ValueInput => ({
    name, low: numberString(e.low), base: numberString(e.base), high: numberString(e.high), unit, source: `${e.source} (config value_model.${key})`,
  });
  const out: ValueInput[] = [];
  const k8s = caps.filter((c) => c.self_managed.model === 'kubernetes');
  if (k8s.length && prices) {
    const hours = String(periodHours(period));
    out.push(
      est('Self-managed utilisation', vm.self_managed_utilisation, 'share of provisioned capacity used', 'self_managed_utilisation'),
      { name: 'CPU price', ...prices.cpu, unit: `${currency} per core-hour`, source: prices.cpuSource },
      { name: 'Memory price', ...prices.mem, unit: `${currency} per GiB-hour`, source: prices.memSource },
      est('Control-plane fee', vm.control_plane_fee_per_hour, `${currency} per cluster-hour`, 'control_plane_fee_per_hour'),
      est('Clusters per team', vm.self_managed_clusters_per_team, 'clusters', 'self_managed_clusters_per_team'),
      est('Toil per cluster', vm.toil_hours_per_cluster_month, 'engineer hours per cluster-month', 'toil_hours_per_cluster_month'),
    );
    if (k8s.some((c) => c.self_managed.model === 'kubernetes' && c.self_managed.include_ci_tooling)) {
      out.push(est('CI and tooling', vm.ci_tooling_per_team_month, `${currency} per team-month`, 'ci_tooling_per_team_month'));
    }
    out.push({ name: 'Hours in the period', low: hours, base: hours, high: hours, unit: 'hours', source: `calendar: the days of ${period} (UTC) × 24` });
  }
  const usesRate = k8s.length > 0 || caps.some((c) => c.self_managed.model === 'items' && c.self_managed.items.some((i) => i.per === 'engineer_hours'));
  if (usesRate) out.push(est('Engineer rate', vm.engineer_hourly_rate, `${currency} per hour, loaded`, 'engineer_hourly_rate'));
  for (const c of caps) out.push(...itemInputs(c, currency));
  const d = String(vm.keep_rate_days);
  out.push({ name: 'Keep-rate window', low: d, base: d, high: d, unit: 'days', source: 'config value_model.keep_rate_days' });
  return out;
}

function methodLines(r: ValueReport, config: Config, prices: Prices | null, data: RunCostData): string[] {
  const c = r.currency;
  const lines = [
    `Figures come from allocation run #${r.run_id} of ${r.period} (cost measure ${r.cost_metric}), in ${c}, rounded to cents; the trend reads the run of each earlier month the same way.`,
    r.capabilities_derived
      ? `No capabilities: section is configured, so one capability, Kubernetes, is derived from the configured clusters (${config.clusters.map((x) => x.id).join(', ') || 'none'}).`
      : `Capabilities come from the configuration's capabilities: section (${r.capabilities.map((x) => x.name).join(', ')}).`,
    `Platform cost of a team for a capability: the part of its charges that came from the capability. A row of its own (direct, kubernetes, idle) counts when a usage entry of the capability matches it; ` +
      `a shared row counts in proportion to the part of the pool's inputs that match (for Kubernetes: what cluster system namespaces and idle sent to the pool), never the whole pool. ` +
      `A row matched whole keeps its amount as charged; a part of a row is rounded to cents on its own.`,
    `Shared charges that belong to no capability (${r.shared_outside.map((s) => s.service).join(', ') || 'none'}) are in no capability's cost: ${money(r.shared_outside_total, c, 2)} of the ${money(r.shared_total, c, 2)} of shared charges in the run.`,
    `A team uses a capability in a month when a charge of its own matches it (or it receives a share of a pool the capability names), or, for Kubernetes, when it owns a namespace with requested or used capacity in the capability's clusters. ` +
      `Cost that reaches a team not using it (cluster overhead in a shared pool) is counted in the capability's platform cost, not in any value.`,
    `Adoption per month: eligible teams (the capability's eligible_teams, else every configured team); users among them; market share = users ÷ eligible; new adopters = first use in the months with a run seen (up to ${HISTORY_MONTHS} back; none in the first month on record, whose users may have started earlier and count from it); ` +
      `returned = used before, not in the previous month with a run, and again now; stopped = used in the previous month with a run, not now. ` +
      `Keep rate = of the teams whose first use was at least ${config.value_model.keep_rate_days} days before the month's end (a month's use counts from its first day), the share using it that month.`,
    `Value of a team = its self-managed estimate − its platform cost through the capability. The capability's value = Σ users' self-managed estimates − the capability's whole platform cost (users' and others'). ` +
      `The organisation line is the sum over capabilities; a charge two capabilities both match would count in each.`,
    `Low is the cheapest plausible self-managed estimate (the low end of every input, the high end of utilisation); high the reverse. A value can be negative: then running it alone would have cost less, and the report says so.`,
  ];
  if (r.capabilities.some((x) => x.model === 'kubernetes') && prices) {
    lines.push(
      `Kubernetes self-managed: capacity = the team's charged core-hours and GiB-hours (Σ max(request, usage) of its namespaces in the capability's clusters) ÷ self-managed utilisation, to 6 decimals; ` +
        `compute = that capacity × the on-demand CPU and memory prices; control plane = fee × ${r.hours_in_period} hours × clusters per team; toil = hours per cluster-month × clusters × engineer rate; ` +
        `CI and tooling where the capability includes it. ${prices.note}`,
    );
  }
  if (r.capabilities.some((x) => x.model === 'items')) {
    lines.push(`Other capabilities: Σ of their self-managed items per using team and month — team_month items as given, engineer_hours items × the engineer rate, spend_ratio items × the team's platform cost through the capability.`);
  }
  if (!data.lineItems) lines.push(`Run #${r.run_id} no longer keeps its line items' owners (a later run of ${r.period} replaced them), so accounts and tags matchers match nothing in it.`);
  if (r.excluded_currencies.length > 0) {
    lines.push(`Single currency: only ${c}, the run's largest currency, is counted; charges in ${r.excluded_currencies.join(', ')} are left out of every figure.`);
  }
  lines.push(`Survey figures (NPS: % promoters 9–10 − % detractors 0–6 per quarter; onboarding: median hours to first production deploy) come from allot ingest survey; where there are none the report says "not measured".`);
  return lines;
}

/** What a capability's cost contains, in words: "kubernetes $1,200, idle $300, part of shared pools $119". */
function contents(cap: CapabilityValue, currency: string): string {
  const totals = new Map<string, string[]>();
  for (const t of cap.teams) for (const b of t.by_charge_type) totals.set(b.charge_type, [...(totals.get(b.charge_type) ?? []), b.amount]);
  const label: Record<string, string> = { direct: 'direct charges', kubernetes: 'kubernetes charges', idle: 'idle charges', shared: `its part of shared pools` };
  return ['direct', 'kubernetes', 'idle', 'shared'].filter((t) => totals.has(t)).map((t) => `${label[t]} ${money(sum2(totals.get(t)!), currency)}`).join(', ');
}

function headline(r: ValueReport): string {
  const m = (a: string) => money(a, r.currency);
  if (r.capabilities.length === 0) return `No platform capability is configured (and no cluster to derive Kubernetes from): there is no platform value to report for ${r.period}.`;
  const users = r.teams.filter((t) => t.uses.length > 0).length;
  if (users === 0) return `No team used ${r.capabilities.length === 1 ? `the platform’s ${r.capabilities[0]!.name}` : `any of the ${r.capabilities.length} platform capabilities`} in ${r.period}.`;
  const each = r.capabilities.map((c) => {
    const what = contents(c, r.currency);
    return `${c.name} ${m(c.platform_cost)}${what ? ` (${what})` : ''}`;
  });
  const s = r.organisation.self_managed;
  return (
    `In ${r.period}, ${users} of ${r.teams.length} teams used ${r.capabilities.length === 1 ? `the platform’s ${r.capabilities[0]!.name}` : `at least one of ${r.capabilities.length} platform capabilities`}; ` +
    `teams were charged ${m(r.organisation.platform_cost)} through ${r.capabilities.length === 1 ? 'it' : 'them'}: ${each.join('; ')}. ` +
    `Running ${r.capabilities.length === 1 ? 'it' : 'them'} themselves would have cost the teams that used ${r.capabilities.length === 1 ? 'it' : 'them'} an estimated ${m(s.base)} (range ${m(s.low)}–${m(s.high)}).`
  );
}

function summary(r: ValueReport): string {
  if (r.teams.every((t) => t.uses.length === 0)) return 'There is no platform value to report for this period.';
  const m = (a: string) => money(a, r.currency);
  const v = r.organisation.value;
  const rangeText = `range ${m(v.low)} to ${m(v.high)}`;
  const value = isNegative(v.base)
    ? `On the base estimate the platform cost ${m(v.base.slice(1))} more than the teams would have spent running it themselves (${rangeText}).`
    : `That is ${m(v.base)} of value on the base estimate (${rangeText})${isNegative(v.low) ? '; on the low estimate self-managed would have been cheaper' : ''}.`;
  const outside = isZero(r.shared_outside_total)
    ? ''
    : ` ${m(r.shared_outside_total)} of shared charges belong to no capability (${r.shared_outside.map((s) => s.service).join(', ')}) and are in none of these figures.`;
  return value + outside;
}

export type { AdoptionMonth };
