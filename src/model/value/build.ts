import type { Config, Estimate } from '../../config/schema.ts';
import type { Params, Store } from '../../store/db.ts';
import { periodRunId, requirePeriodRunId } from '../../store/runs.ts';
import { compareDecimal, formatMoney, isNegative, numberString, percentOf, trimDecimal } from '../../util/decimal.ts';
import { AllotError } from '../../util/errors.ts';
import { addMonths, type Period } from '../../util/period.ts';
import type { Range, TeamValue, ValueInput, ValueReport } from './types.ts';

const currencyAmount = (amount: string, currency: string, decimals = 2): string => formatMoney(amount, currency, decimals);

// The platform value report: "what did the platform save each team compared
// with running Kubernetes themselves?" Every money figure is computed in
// DuckDB DECIMAL (or compared as an exact decimal string), never as a JS number.

const SCENARIOS = ['low', 'base', 'high'] as const;
type Scenario = (typeof SCENARIOS)[number];

/** Google's general-purpose machine families (compute-optimised, memory-optimised and GPU families are left out). */
const GENERAL_PURPOSE = ['e2', 'n1', 'n2', 'n2d', 'n4', 'n4d', 'n4a', 'c3', 'c3d', 'c4', 'c4a', 'c4d', 't2d', 't2a'];

/** Ratio used to rank families: the price of 1 vCPU + 4 GiB, the general-purpose "standard" shape. */
const REFERENCE_GIB_PER_CORE = 4;

/**
 * Picks an input's value for a scenario. `low` is the cheapest plausible
 * self-managed estimate, so it takes the low end of every input that raises
 * the cost and the high end of utilisation (which lowers it); `high` the reverse.
 */
function pick(e: Estimate, scenario: Scenario, lowersCost = false): string {
  const end = scenario === 'base' ? 'base' : (scenario === 'low') !== lowersCost ? 'low' : 'high';
  return numberString(e[end]);
}

export function periodHours(period: string): number {
  const [y, m] = period.split('-').map(Number) as [number, number];
  return (Date.UTC(y, m, 1) - Date.UTC(y, m - 1, 1)) / 3_600_000;
}


/**
 * SQL for n ÷ d rounded half away from zero to `scale` decimals, exactly:
 * DuckDB divides DECIMALs as DOUBLE, so both go to integers in units of
 * 10^-12 and are divided as HUGEINT. Needs d > 0 and |n| < 10^14.
 */
function exactDiv(n: string, d: string, scale: number): string {
  const N = `CAST(abs(CAST(${n} AS DECIMAL(38,12))) * 1000000000000 AS HUGEINT)`;
  const D = `CAST(CAST(${d} AS DECIMAL(38,12)) * 1000000000000 AS HUGEINT)`;
  const q = `(sign(CAST(${n} AS DECIMAL(38,12))) * ((2 * ${N} * ${10 ** scale} + ${D}) // (2 * ${D})))`;
  return scale === 0 ? `CAST(${q} AS DECIMAL(38,0))` : `CAST(CAST(${q} AS DECIMAL(38,0)) * 0.${'0'.repeat(scale - 1)}1 AS DECIMAL(38,${scale}))`;
}

interface Prices {
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
async function choosePrices(store: Store, config: Config, currency: string, period: string): Promise<Prices> {
  const vm = config.value_model;
  const fromConfig = (note: string): Prices => ({
    cpu: { low: pick(vm.cpu_core_hour_price, 'low'), base: pick(vm.cpu_core_hour_price, 'base'), high: pick(vm.cpu_core_hour_price, 'high') },
    mem: { low: pick(vm.memory_gib_hour_price, 'low'), base: pick(vm.memory_gib_hour_price, 'base'), high: pick(vm.memory_gib_hour_price, 'high') },
    cpuSource: `${vm.cpu_core_hour_price.source} (config value_model.cpu_core_hour_price)`,
    memSource: `${vm.memory_gib_hour_price.source} (config value_model.memory_gib_hour_price)`,
    from: 'config',
    note,
  });
  const exists = await store.one<{ n: string }>(`SELECT count(*) AS n FROM information_schema.tables WHERE table_name = 'list_prices'`);
  if (Number(exists?.n ?? 0) === 0) return fromConfig('No GCP list prices in the store (“allot prices gcp” has not run): compute is priced with the config’s value_model prices.');

  const families = GENERAL_PURPOSE.map((f) => `'${f}'`).join(', ');
  const row = await store.one<{
    family: string; region: string | null; cpu_price: string; mem_price: string;
    cpu_sku: string; cpu_desc: string; cpu_unit: string; cpu_eff: string | null; cpu_fetched: string | null;
    mem_sku: string; mem_desc: string; mem_unit: string; mem_eff: string | null; mem_fetched: string | null;
  }>(
    `WITH candidates AS (
       SELECT lower(machine_family) AS fam, machine_family, region, resource, sku_id, description, unit, price,
              effective_time, fetched_at,
              row_number() OVER (
                PARTITION BY lower(machine_family), region, resource
                -- the price in force at the end of the period, else the earliest later one; then the newest fetch
                ORDER BY (TRY_CAST(effective_time AS TIMESTAMP) < $end::TIMESTAMP) DESC,
                         CASE WHEN TRY_CAST(effective_time AS TIMESTAMP) < $end::TIMESTAMP THEN effective_time END DESC,
                         effective_time, fetched_at DESC, price, sku_id) AS rn
       FROM list_prices
       WHERE provider = 'gcp' AND currency = $currency AND resource IN ('cpu', 'memory') AND price > 0
         AND lower(machine_family) IN (${families})
         AND NOT regexp_matches(lower(coalesce(description, '')), 'preemptible|spot|commit|custom|sole tenan|extended|reserved|premium')
     ),
     latest AS (SELECT * FROM candidates WHERE rn = 1)
     SELECT c.machine_family AS family, c.region,
            c.price::VARCHAR AS cpu_price, m.price::VARCHAR AS mem_price,
            c.sku_id AS cpu_sku, c.description AS cpu_desc, coalesce(c.unit, '') AS cpu_unit,
            c.effective_time::VARCHAR AS cpu_eff, c.fetched_at::VARCHAR AS cpu_fetched,
            m.sku_id AS mem_sku, m.description AS mem_desc, coalesce(m.unit, '') AS mem_unit,
            m.effective_time::VARCHAR AS mem_eff, m.fetched_at::VARCHAR AS mem_fetched
     FROM latest c
     JOIN latest m ON m.fam = c.fam AND m.region IS NOT DISTINCT FROM c.region AND m.resource = 'memory'
     WHERE c.resource = 'cpu'
     ORDER BY c.price + ${REFERENCE_GIB_PER_CORE} * m.price, c.fam, c.region
     LIMIT 1`,
    { currency, end: `${addMonths(period, 1)}-01 00:00:00` },
  );
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

interface FigureRow {
  team_id: string | null;
  scenario: Scenario;
  on_k8s: boolean;
  cpu_h: string;
  mem_h: string;
  k8s: string;
  idle: string;
  shared: string;
  platform_cost: string;
  compute: string;
  control_plane: string;
  toil: string;
  ci_tooling: string;
  self_managed: string;
  value: string;
}

/**
 * Builds the value report of a period from its latest allocation run.
 * Throws AllotError when the period has no run.
 */
export async function buildValueReport(store: Store, config: Config, period: Period): Promise<ValueReport> {
  const vm = config.value_model;
  if (vm.self_managed_utilisation.low <= 0) {
    throw new AllotError('value_model.self_managed_utilisation.low must be above 0 (capacity is usage ÷ utilisation)');
  }
  await requirePeriodRunId(store, period);
  const run = (await periodRun(store, period))!;

  const currencies = await store.all<{ currency: string }>(
    `SELECT currency FROM chargeback_rows WHERE run_id = $1 GROUP BY currency ORDER BY sum(abs(amount)) DESC, currency`,
    [run.run_id],
  );
  const currency = currencies[0]?.currency ?? 'USD';
  const excluded = currencies.slice(1).map((c) => c.currency);
  const hours = periodHours(period);
  const prices = await choosePrices(store, config, currency, period);

  // One row per scenario: the inputs combined into that end of the range.
  const params: Params = { run: run.run_id, currency, hours: String(hours) };
  for (const s of SCENARIOS) {
    params[`util_${s}`] = pick(vm.self_managed_utilisation, s, true);
    params[`cpu_${s}`] = prices.cpu[s];
    params[`mem_${s}`] = prices.mem[s];
    params[`fee_${s}`] = pick(vm.control_plane_fee_per_hour, s);
    params[`clusters_${s}`] = pick(vm.self_managed_clusters_per_team, s);
    params[`toil_${s}`] = pick(vm.toil_hours_per_cluster_month, s);
    params[`rate_${s}`] = pick(vm.engineer_hourly_rate, s);
    params[`ci_${s}`] = pick(vm.ci_tooling_per_team_month, s);
  }
  const d = (name: string) => `$${name}::DECIMAL(38,12)`;
  const scenarioRows = SCENARIOS.map(
    (s, i) =>
      `SELECT '${s}' AS scenario, ${i} AS ord, ${d(`util_${s}`)} AS util, ${d(`cpu_${s}`)} AS p_cpu, ${d(`mem_${s}`)} AS p_mem, ` +
      `${d(`fee_${s}`)} AS fee, ${d(`clusters_${s}`)} AS clusters, ${d(`toil_${s}`)} AS toil, ${d(`rate_${s}`)} AS rate, ${d(`ci_${s}`)} AS ci`,
  ).join('\nUNION ALL ');

  const figures = await store.all<FigureRow>(
    `WITH s AS (${scenarioRows}),
     charges AS (
       SELECT team_id,
              coalesce(sum(amount) FILTER (WHERE charge_type = 'kubernetes'), 0) AS k8s,
              coalesce(sum(amount) FILTER (WHERE charge_type = 'idle'), 0) AS idle,
              coalesce(sum(amount) FILTER (WHERE charge_type = 'shared'), 0) AS shared
       FROM chargeback_rows
       WHERE run_id = $run AND currency = $currency AND team_id <> 'unallocated'
       GROUP BY team_id
     ),
     usage AS (
       SELECT owner_id AS team_id, sum(cpu_charged_core_hours) AS cpu_h, sum(mem_charged_gib_hours) AS mem_h
       FROM namespace_stats
       WHERE run_id = $run AND currency = $currency AND owner_kind = 'team'
       GROUP BY owner_id
     ),
     t AS (
       SELECT team_id,
              coalesce(k8s, 0) AS k8s, coalesce(idle, 0) AS idle, coalesce(shared, 0) AS shared,
              CAST(coalesce(cpu_h, 0) AS DECIMAL(38,6)) AS cpu_h, CAST(coalesce(mem_h, 0) AS DECIMAL(38,6)) AS mem_h,
              (coalesce(cpu_h, 0) > 0 OR coalesce(mem_h, 0) > 0 OR coalesce(k8s, 0) <> 0 OR coalesce(idle, 0) <> 0) AS on_k8s
       FROM charges FULL JOIN usage USING (team_id)
     ),
     -- capacity a team would provision alone = charged hours ÷ utilisation, exact to 6 decimals
     cap AS (
       SELECT t.*, s.*, ${exactDiv('t.cpu_h', 's.util', 6)} AS cpu_cap, ${exactDiv('t.mem_h', 's.util', 6)} AS mem_cap
       FROM t CROSS JOIN s
     ),
     -- every component rounded to cents, so the parts add up to the totals shown
     fig AS (
       SELECT team_id, scenario, ord, on_k8s, cpu_h, mem_h, k8s, idle, shared,
              CAST(CASE WHEN on_k8s THEN k8s + idle + shared ELSE 0 END AS DECIMAL(38,2)) AS platform_cost,
              CAST(CASE WHEN on_k8s THEN cpu_cap * p_cpu + mem_cap * p_mem ELSE 0 END AS DECIMAL(38,2)) AS compute,
              CAST(CASE WHEN on_k8s THEN CAST(fee * $hours::INTEGER AS DECIMAL(38,12)) * clusters ELSE 0 END AS DECIMAL(38,2)) AS control_plane,
              CAST(CASE WHEN on_k8s THEN CAST(toil * clusters AS DECIMAL(38,12)) * rate ELSE 0 END AS DECIMAL(38,2)) AS toil,
              CAST(CASE WHEN on_k8s THEN ci ELSE 0 END AS DECIMAL(38,2)) AS ci_tooling
       FROM cap
     ),
     total AS (
       SELECT *, compute + control_plane + toil + ci_tooling AS self_managed
       FROM fig
     ),
     out AS (
       SELECT team_id, scenario, ord, on_k8s, cpu_h, mem_h, k8s, idle, shared, platform_cost, compute, control_plane, toil, ci_tooling,
              self_managed, self_managed - platform_cost AS value
       FROM total
       UNION ALL
       SELECT NULL, scenario, ord, bool_or(on_k8s), sum(cpu_h), sum(mem_h), sum(k8s), sum(idle), sum(shared), sum(platform_cost),
              sum(compute), sum(control_plane), sum(toil), sum(ci_tooling), sum(self_managed), sum(self_managed) - sum(platform_cost)
       FROM total GROUP BY scenario, ord
     )
     SELECT team_id, scenario, coalesce(on_k8s, false) AS on_k8s,
            CAST(cpu_h AS DECIMAL(38,2))::VARCHAR AS cpu_h, CAST(mem_h AS DECIMAL(38,2))::VARCHAR AS mem_h,
            CAST(k8s AS DECIMAL(38,2))::VARCHAR AS k8s, CAST(idle AS DECIMAL(38,2))::VARCHAR AS idle, CAST(shared AS DECIMAL(38,2))::VARCHAR AS shared,
            platform_cost::VARCHAR AS platform_cost, compute::VARCHAR AS compute, control_plane::VARCHAR AS control_plane,
            toil::VARCHAR AS toil, ci_tooling::VARCHAR AS ci_tooling, self_managed::VARCHAR AS self_managed, value::VARCHAR AS value
     FROM out ORDER BY team_id NULLS LAST, ord`,
    params,
  );

  const byTeam = new Map<string | null, Partial<Record<Scenario, FigureRow>>>();
  for (const f of figures) {
    const m = byTeam.get(f.team_id) ?? {};
    m[f.scenario] = f;
    byTeam.set(f.team_id, m);
  }
  const range = (m: Partial<Record<Scenario, FigureRow>> | undefined, k: keyof FigureRow): Range => ({
    low: String(m?.low?.[k] ?? '0.00'),
    base: String(m?.base?.[k] ?? '0.00'),
    high: String(m?.high?.[k] ?? '0.00'),
  });

  // Configured teams, then any team of the run the config no longer lists.
  const names = new Map(config.teams.map((t) => [t.id, t.name]));
  const runTeams = await store.all<{ team_id: string; team_name: string }>(
    `SELECT team_id, any_value(team_name) AS team_name FROM chargeback_rows
     WHERE run_id = $1 AND team_id <> 'unallocated' GROUP BY team_id ORDER BY team_id`,
    [run.run_id],
  );
  for (const t of runTeams) if (!names.has(t.team_id)) names.set(t.team_id, t.team_name);

  const teams: TeamValue[] = [...names].map(([team_id, team_name]) => {
    const m = byTeam.get(team_id);
    const base = m?.base;
    const uses = base?.on_k8s ?? false;
    const team: TeamValue = {
      team_id,
      team_name,
      currency,
      platform_cost: base?.platform_cost ?? '0.00',
      uses_kubernetes: uses,
      cpu_core_hours: base?.cpu_h ?? '0.00',
      mem_gib_hours: base?.mem_h ?? '0.00',
      self_managed: range(m, 'self_managed'),
      value: range(m, 'value'),
      breakdown: { compute: range(m, 'compute'), control_plane: range(m, 'control_plane'), toil: range(m, 'toil'), ci_tooling: range(m, 'ci_tooling') },
      kubernetes_cost: base?.k8s ?? '0.00',
      idle_cost: base?.idle ?? '0.00',
      shared_cost: base?.shared ?? '0.00',
      note: '',
    };
    team.note = teamNote(team, period);
    return team;
  });
  // On the platform first, largest base value first; then the rest by id.
  teams.sort((a, b) =>
    a.uses_kubernetes !== b.uses_kubernetes ? (a.uses_kubernetes ? -1 : 1)
      : compareDecimal(b.value.base, a.value.base) || a.team_id.localeCompare(b.team_id));

  const org = byTeam.get(null);
  const organisation = { platform_cost: org?.base?.platform_cost ?? '0.00', self_managed: range(org, 'self_managed'), value: range(org, 'value') };

  // Adoption.
  const onK8s = new Set(teams.filter((t) => t.uses_kubernetes).map((t) => t.team_id));
  const monthsBack = Math.max(1, Math.round(vm.keep_rate_days / 30));
  const earlier = addMonths(period, -monthsBack);
  const earlierRun = await periodRun(store, earlier);
  const earlierTeams = earlierRun
    ? (await store.all<{ team_id: string }>(
        `SELECT DISTINCT team_id FROM (
           SELECT team_id, currency FROM chargeback_rows
           WHERE run_id = $1 AND team_id <> 'unallocated' AND charge_type IN ('kubernetes', 'idle')
           GROUP BY team_id, currency HAVING sum(amount) > 0)
         ORDER BY team_id`,
        [earlierRun.run_id],
      )).map((r) => r.team_id)
    : [];
  const still = earlierTeams.filter((t) => onK8s.has(t)).length;
  const allocated = await store.one<{ pct: string | null }>(
    `WITH a AS (
       SELECT 100 * coalesce(sum(abs(amount)) FILTER (WHERE team_id <> 'unallocated'), 0) AS part, sum(abs(amount)) AS whole
       FROM chargeback_rows WHERE run_id = $1 AND currency = $2)
     SELECT CASE WHEN whole IS NULL OR whole = 0 THEN '100.00' ELSE ${exactDiv('part', 'whole', 2)}::VARCHAR END AS pct FROM a`,
    [run.run_id, currency],
  );
  const unallocatedK8s = await store.one<{ amount: string }>(
    `SELECT CAST(coalesce(sum(amount), 0) AS DECIMAL(38,2))::VARCHAR AS amount FROM chargeback_rows
     WHERE run_id = $1 AND currency = $2 AND team_id = 'unallocated' AND service LIKE 'Kubernetes (%'`,
    [run.run_id, currency],
  );

  const adoption: ValueReport['adoption'] = {
    teams_total: teams.length,
    teams_on_kubernetes: onK8s.size,
    market_share_pct: percentOf(onK8s.size, teams.length),
    teams_active_90d_ago: earlierTeams.length,
    teams_still_active: still,
    keep_rate_pct: percentOf(still, earlierTeams.length),
    allocated_pct: allocated?.pct ?? '100.00',
    keep_rate_period: earlier,
    keep_rate_run_id: earlierRun?.run_id ?? null,
  };

  const inputs = valueInputs(config, prices, currency, period, hours, earlier);
  const report: ValueReport = {
    period,
    run_id: run.run_id,
    currency,
    teams,
    organisation,
    adoption,
    inputs,
    method: [],
    headline: '',
    summary: '',
    cost_metric: run.cost_metric,
    hours_in_period: hours,
    price_source: prices.from,
    excluded_currencies: excluded,
    unallocated_kubernetes_cost: unallocatedK8s?.amount ?? '0.00',
  };
  report.method = methodLines(report, prices);
  report.headline = headline(report);
  report.summary = summary(report);
  return report;
}

/** The period's run (see periodRunId) and its cost measure. */
async function periodRun(store: Store, period: string): Promise<{ run_id: number; cost_metric: string } | undefined> {
  const runId = await periodRunId(store, period);
  if (runId === undefined) return undefined;
  return store.one<{ run_id: number; cost_metric: string }>('SELECT run_id, cost_metric FROM allocation_runs WHERE run_id = $1', [runId]);
}

function teamNote(t: TeamValue, period: string): string {
  const m = (a: string) => currencyAmount(a, t.currency, 0);
  if (!t.uses_kubernetes) return `Not on the platform’s Kubernetes in ${period}: no value is counted.`;
  if (isNegative(t.value.high)) return `Running it alone would have cost less than the platform charged on every estimate (by ${m(t.value.high.slice(1))} to ${m(t.value.low.slice(1))}).`;
  if (isNegative(t.value.base)) return `On the base estimate, running it alone would have cost ${m(t.value.base.slice(1))} less than the platform charged.`;
  if (isNegative(t.value.low)) return `On the low estimate, running it alone would have cost ${m(t.value.low.slice(1))} less than the platform charged.`;
  return '';
}

function valueInputs(config: Config, prices: Prices, currency: string, period: string, hours: number, earlier: string): ValueInput[] {
  const vm = config.value_model;
  const est = (name: string, e: Estimate, unit: string, key: string): ValueInput => ({
    name, low: numberString(e.low), base: numberString(e.base), high: numberString(e.high), unit, source: `${e.source} (config value_model.${key})`,
  });
  return [
    est('Self-managed utilisation', vm.self_managed_utilisation, 'share of provisioned capacity used', 'self_managed_utilisation'),
    { name: 'CPU price', ...prices.cpu, unit: `${currency} per core-hour`, source: prices.cpuSource },
    { name: 'Memory price', ...prices.mem, unit: `${currency} per GiB-hour`, source: prices.memSource },
    est('Control-plane fee', vm.control_plane_fee_per_hour, `${currency} per cluster-hour`, 'control_plane_fee_per_hour'),
    est('Clusters per team', vm.self_managed_clusters_per_team, 'clusters', 'self_managed_clusters_per_team'),
    est('Toil per cluster', vm.toil_hours_per_cluster_month, 'engineer hours per cluster-month', 'toil_hours_per_cluster_month'),
    est('Engineer rate', vm.engineer_hourly_rate, `${currency} per hour, loaded`, 'engineer_hourly_rate'),
    est('CI and tooling', vm.ci_tooling_per_team_month, `${currency} per team-month`, 'ci_tooling_per_team_month'),
    { name: 'Hours in the period', low: String(hours), base: String(hours), high: String(hours), unit: 'hours', source: `calendar: the days of ${period} (UTC) × 24` },
    {
      name: 'Keep-rate window', low: String(vm.keep_rate_days), base: String(vm.keep_rate_days), high: String(vm.keep_rate_days), unit: 'days',
      source: `config value_model.keep_rate_days, read as whole months: compared with ${earlier}`,
    },
  ];
}

function methodLines(r: ValueReport, prices: Prices): string[] {
  const c = r.currency;
  const lines = [
    `Figures come from allocation run #${r.run_id} of ${r.period} (cost measure ${r.cost_metric}), in ${c}, rounded to cents.`,
    `Platform cost of a team: its kubernetes + idle + shared charges in that run. Shared counts whole: every shared pool the team receives, ` +
      `not only the part that came from cluster system namespaces and idle — a simplification that overstates the platform cost and so understates the value.`,
    `A team is on the platform’s Kubernetes when it owns a namespace with requested or used capacity, or has kubernetes or idle charges. ` +
      `A team that is not gets 0 for every component and a platform cost of 0 (its shared charges are shown but not counted); it still counts toward adoption.`,
    `Capacity a team would provision on its own: its charged core-hours and GiB-hours (Σ max(request, usage) of its namespaces) ÷ self-managed utilisation, to 6 decimals.`,
    `Compute: that capacity × the on-demand CPU and memory prices. ${prices.note}`,
    `Control plane: control-plane fee × ${r.hours_in_period} hours × clusters per team.`,
    `Toil: toil hours per cluster-month × clusters per team × engineer rate.`,
    `CI and tooling: the monthly amount per team.`,
    `Self-managed: compute + control plane + toil + CI and tooling, each rounded to cents. Value: self-managed − platform cost. The organisation line is the sum of the teams.`,
    `Low is the cheapest plausible self-managed estimate: the highest utilisation and the low end of every other input; high is the lowest utilisation and the high end of the rest. ` +
      `The value can be negative: then running it alone would have cost less than the platform charged, and the report says so.`,
    `Adoption: market share is teams on the platform’s Kubernetes ÷ all teams (configured, plus any the run charged that the config no longer lists). ` +
      `Keep rate: of the teams with Kubernetes cost (kubernetes + idle > 0) in ${r.adoption.keep_rate_period}` +
      `${r.adoption.keep_rate_run_id === null ? ' (no allocation run for it, so n/a)' : ` (run #${r.adoption.keep_rate_run_id})`}, the share still on it now. ` +
      `Allocated: the share of the run’s absolute ${c} cost that is not unallocated.`,
  ];
  if (r.excluded_currencies.length > 0) {
    lines.push(`Single currency: only ${c}, the run’s largest currency, is counted; charges in ${r.excluded_currencies.join(', ')} are left out of every figure.`);
  }
  if (compareDecimal(r.unallocated_kubernetes_cost, '0') !== 0) {
    lines.push(`${currencyAmount(r.unallocated_kubernetes_cost, c)} of Kubernetes cost is unallocated (no owning team) and is in no team’s platform cost.`);
  }
  return lines;
}

function headline(r: ValueReport): string {
  const m = (a: string) => currencyAmount(a, r.currency, 0);
  if (r.adoption.teams_on_kubernetes === 0) return `No team used the platform’s Kubernetes in ${r.period}.`;
  const s = r.organisation.self_managed;
  return (
    `Teams consumed ${m(r.organisation.platform_cost)} of Kubernetes compute they did not have to provision or manage; ` +
    `self-managed, it would have cost ${m(s.base)} (range ${m(s.low)}–${m(s.high)}).`
  );
}

function summary(r: ValueReport): string {
  if (r.adoption.teams_on_kubernetes === 0) return 'There is no platform value to report for this period.';
  const m = (a: string) => currencyAmount(a, r.currency, 0);
  const v = r.organisation.value;
  const rangeText = `range ${m(v.low)} to ${m(v.high)}`;
  if (isNegative(v.base)) {
    return `On the base estimate the platform cost ${m(v.base.slice(1))} more than the teams would have spent running it themselves (${rangeText}).`;
  }
  return `That is ${m(v.base)} of value on the base estimate (${rangeText})${isNegative(v.low) ? '; on the low estimate self-managed would have been cheaper' : ''}.`;
}
