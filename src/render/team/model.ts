// The team showback/chargeback report: one typed DTO per (period, team), built
// from a stored allocation run with SQL only. Money is a decimal string with
// the currency's decimals everywhere in it ("12345.67", "-3.00").
//
// Which run: a closed period's closed run, else the period's latest run; the
// same rule picks last month's run and each month of the six-month trend.
//
// Definitions (also printed in the email's footnotes):
// - CPU efficiency = Σ cpu usage core-hours ÷ Σ cpu request core-hours of the
//   namespace in the period (namespace_stats); memory likewise in GiB-hours.
//   Over 100% means pods used more than they requested. With no usage samples
//   (has_usage_data false) it is not computed: "no usage data".
// - Saving if requests matched usage, per namespace and resource r ∈ {cpu, mem}:
//     C_r × (charged_r − usage_r) ÷ max(K_r, ΣU_r)
//   where charged_r = Σ max(request, usage) is what the namespace is charged on
//   (Step 2 of the contract), C_r the cluster's CPU or memory cost and
//   max(K_r, ΣU_r) the divisor Step 2 used. It equals the namespace's r-cost ×
//   (1 − usage_r ÷ charged_r): the part of its charge that pays for requested
//   but unused capacity. It is an estimate of the namespace's own charge only:
//   the cluster bill falls only when nodes are removed; until then that
//   capacity shows up as idle. Not computed without usage data.
// - Daily cost: direct cost by the charge day of the team's own line items;
//   kubernetes and idle cost of a cluster spread over days in proportion to the
//   daily cost of that cluster's pool (its line items by charge day); shared
//   cost spread by the daily cost of the pool's own line items; a component
//   whose source has no dated cost is spread evenly over the month.
//   Adjustments of closed periods are not spread (they are not of this month).
//   Daily amounts are rounded per day, so they sum to the totals ± rounding.
import type { Config, Team } from '../../config/schema.ts';
import { sqlString, type Store } from '../../store/db.ts';
import { closeRecord, periodRunId, type ManifestTieOut } from '../../close/close.ts';
import { AllotError } from '../../util/errors.ts';
import { periodLabel, roundDecimal } from './format.ts';
import { platformValueLinesOrNone } from './value-line.ts';
import { addMonths } from '../../util/period.ts';

export const CHARGE_TYPES = ['direct', 'kubernetes', 'idle', 'shared', 'adjustment'] as const;
export type ChargeType = (typeof CHARGE_TYPES)[number];

export interface AmountChange {
  /** Last month's amount, or null when there was none ("new"). */
  previous: string | null;
  /** This month − last month; null when new. */
  amount: string | null;
  /** Change in % of |last month| with one decimal ("4.2", "-12.0"); null when new or last month was 0. */
  percent: string | null;
  is_new: boolean;
}

export interface ServiceLine {
  charge_type: string;
  service: string;
  currency: string;
  /** The rounded amount, exactly as in the chargeback CSV. */
  amount: string;
  line_items: string;
  /** Same (charge type, service, currency) last month; null if none. */
  previous: string | null;
}

export interface NamespaceLine {
  cluster: string;
  namespace: string;
  /** Namespace cost (charge type kubernetes), rounded. */
  cost: string;
  /** The idle it carries (charge type idle), rounded. */
  idle: string;
  total: string;
  has_usage_data: boolean;
  cpu_request_core_hours: string;
  cpu_usage_core_hours: string;
  mem_request_gib_hours: string;
  mem_usage_gib_hours: string;
  /** usage ÷ request in %, one decimal; null without usage data or requests. */
  cpu_efficiency: string | null;
  mem_efficiency: string | null;
  /** Estimated saving if requests matched usage (see the definition above); null without usage data. */
  saving: string | null;
}

export interface Mover {
  kind: 'service' | 'namespace';
  /** Service name, or "namespace in cluster". */
  name: string;
  current: string;
  previous: string;
  change: string;
  /** null when last month was 0. */
  percent: string | null;
}

export interface HygieneUnknownTag {
  account: string;
  /** The tag as found, e.g. "team=paymnts". */
  tag: string;
  amount: string;
  line_items: string;
}

export interface HygieneNamespace {
  cluster: string;
  namespace: string;
  amount: string;
  reason: string;
}

export interface HygieneAccountOnly {
  account: string;
  service: string;
  amount: string;
  line_items: string;
}

export interface Hygiene {
  /** The tag key and namespace label Allot reads first: what to set. */
  tag_key: string;
  label_key: string;
  /** Unallocated: line items in the team's own accounts whose team tag named no known team. */
  unknown_tags: { total: string; line_items: string; items: HygieneUnknownTag[]; fix: string };
  /** Unallocated: namespaces with no owner whose name contains the team id or an alias. */
  unowned_namespaces: { total: string; items: HygieneNamespace[]; fix: string; command: string };
  /** The team's own cost that reached it only through account ownership (no team tag). */
  account_only: { total: string; line_items: string; items: HygieneAccountOnly[]; fix: string };
  /** True when nothing needs fixing. */
  clean: boolean;
  /** The run whose per-line-item ownership was read (the period's latest with it). */
  owners_run_id: number | null;
}

export interface WhyPart {
  /** "tag team=payments", "Kubernetes namespaces payments-api, payments-batch in prod-eu", "shared Platform overhead (proportional)". */
  label: string;
  amount: string;
  /** Share in % (integer) of the sum of absolute parts. */
  percent: string;
}

export interface DailyPoint {
  /** YYYY-MM-DD */
  day: string;
  charge_type: string;
  amount: string;
}

export interface TrendPoint {
  period: string;
  run_id: number | null;
  /** null: no run for that month. */
  amount: string | null;
}

/** The team's slice of the platform value model (src/render/value), if provided. */
export interface PlatformValueLine {
  currency: string;
  platform_cost: string;
  uses_kubernetes: boolean;
  self_managed: { low: string; base: string; high: string };
  value: { low: string; base: string; high: string };
  /** The value model's own caveat for the team, or ''. */
  note?: string;
}

export interface TeamReport {
  period: string;
  period_label: string;
  run_id: number;
  closed: boolean;
  /** Whether these numbers are final: closed for finance and tied to the invoices. */
  status: ReportStatus;
  cost_metric: string;
  team: { id: string; name: string; mode: 'chargeback' | 'showback'; cost_center: string; gl_account: string; emails: string[] };
  /** The team's main currency (largest absolute total); every section below is in it unless it says otherwise. */
  currency: string;
  decimals: number;
  total: string;
  /** Totals in other currencies, if the team has any (they are in `lines` too). */
  other_currencies: { currency: string; amount: string }[];
  previous_period: string;
  previous_period_label: string;
  previous_run_id: number | null;
  change: AmountChange;
  by_charge_type: { charge_type: ChargeType; amount: string; previous: string | null }[];
  /** The team's chargeback rows (all currencies), largest first: the split by service. */
  lines: ServiceLine[];
  namespaces: NamespaceLine[];
  /** Σ saving over namespaces with usage data. */
  saving_total: string;
  movers: Mover[];
  hygiene: Hygiene;
  /** For chargeback teams: where the amount is booked. */
  chargeback: { cost_center: string; gl_account: string } | null;
  why: WhyPart[];
  daily: DailyPoint[];
  trend: TrendPoint[];
  platform_value?: PlatformValueLine;
}

/** `final`: closed and tied out; `closed`: closed without a tie-out; `provisional`: not closed yet. */
export interface ReportStatus {
  kind: 'final' | 'closed' | 'provisional';
  text: string;
}

export interface BuildOptions {
  /**
   * The team's platform value line. Omitted: computed here with the value model
   * (src/render/value); batch callers compute all teams once with
   * platformValueLines() and pass each. null: no value line.
   */
  platformValue?: PlatformValueLine | null;
  /** How many movers to list (default 5). */
  movers?: number;
}

/**
 * What the reader may rely on: `tieout` is the close's tie-out (null for a
 * period closed before tie-outs), undefined for an open period.
 */
export function reportStatus(tieout: ManifestTieOut | null | undefined, label: string): ReportStatus {
  if (tieout === undefined) return { kind: 'provisional', text: `Provisional: ${label} is not closed for finance yet; these numbers may still change.` };
  if (tieout?.status === 'ties') return { kind: 'final', text: `Final: ${label} is closed for finance and its bill ties to the invoices to the cent.` };
  if (tieout?.accepted_variance) {
    return { kind: 'closed', text: `Closed for finance; the bill differs from the invoice, a variance finance accepted (${tieout.accepted_variance}). These numbers will not change.` };
  }
  return { kind: 'closed', text: `Closed for finance, but not tied to an invoice (none was on file). These numbers will not change.` };
}

const PERIOD = /^\d{4}-(0[1-9]|1[0-2])$/;

/** Builds one team's report for a period. Throws AllotError for an unknown team or a period without a run. */
export async function buildTeamReport(store: Store, config: Config, period: string, teamId: string, opts: BuildOptions = {}): Promise<TeamReport> {
  if (!PERIOD.test(period)) throw new AllotError(`period must be YYYY-MM, got "${period}"`);
  const team = config.teams.find((t) => t.id === teamId);
  if (!team) throw new AllotError(`unknown team "${teamId}"; teams: ${config.teams.map((t) => t.id).join(', ')}`);
  const runId = await periodRunId(store, period);
  if (runId === undefined) throw new AllotError(`no allocation run for period ${period}: run "allot attribute --period ${period}" first`);
  const run = (await store.one<{ cost_metric: string; closed: boolean }>(
    `SELECT cost_metric, EXISTS (SELECT 1 FROM period_closes WHERE period = $2 AND status = 'closed' AND run_id = $1) AS closed
     FROM allocation_runs WHERE run_id = $1`,
    [runId, period],
  ))!;
  const previousPeriod = addMonths(period, -1);
  const prevRunId = (await periodRunId(store, previousPeriod)) ?? null;
  const status = reportStatus(run.closed ? ((await closeRecord(store, period))?.tieout ?? null) : undefined, periodLabel(period));

  const currencies = await store.all<{ currency: string; decimals: number; total: string }>(
    `SELECT currency, max(decimals)::INTEGER AS decimals, sum(amount)::VARCHAR AS total
     FROM chargeback_rows WHERE run_id = $1 AND team_id = $2
     GROUP BY currency ORDER BY abs(sum(amount)) DESC, currency`,
    [runId, teamId],
  );
  let currency: string;
  let decimals: number;
  if (currencies[0]) {
    ({ currency, decimals } = currencies[0]);
  } else {
    // No cost this month: report zero in the run's main currency.
    const c = await store.one<{ currency: string; decimals: number }>(
      `SELECT currency, max(decimals)::INTEGER AS decimals FROM chargeback_rows WHERE run_id = $1
       GROUP BY currency ORDER BY abs(sum(amount)) DESC, currency LIMIT 1`,
      [runId],
    );
    currency = c?.currency ?? 'USD';
    decimals = c?.decimals ?? config.currency_decimals;
  }
  const total = roundDecimal(currencies[0]?.total ?? '0', decimals);
  const other = currencies.slice(1).map((c) => ({ currency: c.currency, amount: roundDecimal(c.total, c.decimals) }));

  const ctx: Ctx = { store, runId, prevRunId, teamId, currency, decimals, team, config, period, costMetric: run.cost_metric };

  const prevTotal = prevRunId === null ? null : await teamTotal(store, prevRunId, teamId, currency);
  const change = await amountChange(store, total, prevTotal, decimals);

  const row = await store.one<{ mode: string; cost_center: string; gl_account: string }>(
    `SELECT mode, cost_center, gl_account FROM chargeback_rows WHERE run_id = $1 AND team_id = $2 LIMIT 1`,
    [runId, teamId],
  );
  // As booked by the run when it has rows for the team, else as configured now.
  const mode = (row?.mode ?? team.mode) as 'chargeback' | 'showback';
  const costCenter = row?.cost_center ?? team.cost_center;
  const glAccount = row?.gl_account ?? team.gl_account;

  const pv = opts.platformValue === undefined ? (await platformValueLinesOrNone(store, config, period)).get(teamId) ?? null : opts.platformValue;

  // One connection: the sections' queries run one after the other.
  const byType = await chargeTypes(ctx);
  const lines = await serviceLines(ctx);
  const ns = await namespaces(ctx);
  const movers = await topMovers(ctx, opts.movers ?? 5);
  const hygiene = await hygieneBlock(ctx);
  const why = await whyParts(ctx);
  const daily = await dailyCost(ctx);
  const trend = await trendPoints(ctx);

  return {
    period,
    period_label: periodLabel(period),
    run_id: runId,
    closed: run.closed,
    status,
    cost_metric: run.cost_metric,
    team: { id: team.id, name: team.name, mode, cost_center: costCenter, gl_account: glAccount, emails: [...team.emails] },
    currency,
    decimals,
    total,
    other_currencies: other,
    previous_period: previousPeriod,
    previous_period_label: periodLabel(previousPeriod),
    previous_run_id: prevRunId,
    change,
    by_charge_type: byType,
    lines,
    namespaces: ns.lines,
    saving_total: ns.saving,
    movers,
    hygiene,
    chargeback: mode === 'chargeback' ? { cost_center: costCenter, gl_account: glAccount } : null,
    why,
    daily,
    trend,
    ...(pv ? { platform_value: pv } : {}),
  };
}

interface Ctx {
  store: Store;
  runId: number;
  prevRunId: number | null;
  teamId: string;
  currency: string;
  decimals: number;
  team: Team;
  config: Config;
  period: string;
  costMetric: string;
}

/** The cost measure of line item `l` as the run used it (the store's line_item_cost macro). */
const COST = (metric: string) => `line_item_cost(${sqlString(metric)}, l.billed_cost, l.effective_cost, l.list_cost)`;

/** Rounds an SQL decimal expression to `$d` places and prints it with exactly that many. */
const money = (expr: string, d: number) => `round(${expr}, ${d})::DECIMAL(38,${d})::VARCHAR`;

async function teamTotal(store: Store, runId: number, teamId: string, currency: string): Promise<string | null> {
  const r = await store.one<{ n: string; total: string | null }>(
    `SELECT count(*)::VARCHAR AS n, sum(amount)::VARCHAR AS total FROM chargeback_rows WHERE run_id = $1 AND team_id = $2 AND currency = $3`,
    [runId, teamId, currency],
  );
  return r && r.n !== '0' ? r.total : null;
}

async function amountChange(store: Store, current: string, previous: string | null, decimals: number): Promise<AmountChange> {
  if (previous === null) return { previous: null, amount: null, percent: null, is_new: true };
  const r = (await store.one<{ amount: string; percent: string | null }>(
    `SELECT ${money('($1::DECIMAL(38,12) - $2::DECIMAL(38,12))', decimals)} AS amount,
            CASE WHEN $2::DECIMAL(38,12) <> 0
                 THEN ((($1::DECIMAL(38,12) - $2::DECIMAL(38,12)) * 100)::DOUBLE / abs($2::DECIMAL(38,12))::DOUBLE)::DECIMAL(38,1)::VARCHAR END AS percent`,
    [current, previous],
  ))!;
  return { previous: roundDecimal(previous, decimals), amount: r.amount, percent: r.percent, is_new: false };
}

async function chargeTypes(c: Ctx): Promise<TeamReport['by_charge_type']> {
  const rows = await c.store.all<{ charge_type: string; run_id: number; amount: string }>(
    `SELECT charge_type, run_id, sum(amount)::VARCHAR AS amount FROM chargeback_rows
     WHERE run_id IN ($1, $2) AND team_id = $3 AND currency = $4 GROUP BY ALL`,
    [c.runId, c.prevRunId ?? -1, c.teamId, c.currency],
  );
  const get = (type: string, run: number | null) => rows.find((r) => r.charge_type === type && r.run_id === run)?.amount;
  // The four standing types always show; adjustments (of closed months) only when there are some.
  const shown = CHARGE_TYPES.filter((t) => t !== 'adjustment' || rows.some((r) => r.charge_type === t));
  return shown.map((t) => {
    const prev = c.prevRunId === null ? null : (get(t, c.prevRunId) ?? '0');
    return { charge_type: t, amount: roundDecimal(get(t, c.runId) ?? '0', c.decimals), previous: prev === null ? null : roundDecimal(prev, c.decimals) };
  });
}

async function serviceLines(c: Ctx): Promise<ServiceLine[]> {
  const rows = await c.store.all<ServiceLine & { decimals: number }>(
    `SELECT r.charge_type, r.service, r.currency, r.decimals::INTEGER AS decimals, r.amount::VARCHAR AS amount,
            r.line_items::VARCHAR AS line_items, p.amount::VARCHAR AS previous
     FROM chargeback_rows r
     LEFT JOIN (SELECT charge_type, service, currency, sum(amount) AS amount FROM chargeback_rows
                WHERE run_id = $2 AND team_id = $3 GROUP BY ALL) p USING (charge_type, service, currency)
     WHERE r.run_id = $1 AND r.team_id = $3
     ORDER BY r.currency <> $4, abs(r.amount) DESC, r.charge_type, r.service, r.currency`,
    [c.runId, c.prevRunId ?? -1, c.teamId, c.currency],
  );
  return rows.map(({ decimals, ...r }) => ({
    ...r,
    amount: roundDecimal(r.amount, decimals),
    previous: r.previous === null ? null : roundDecimal(r.previous, decimals),
  }));
}

async function namespaces(c: Ctx): Promise<{ lines: NamespaceLine[]; saving: string }> {
  const d = c.decimals;
  // Money stays DECIMAL: only the share (unused ÷ Step 2's divisor max(K, ΣU)) is a ratio.
  const share = (unused: string, divisor: string) => `CAST(${unused}::DOUBLE / ${divisor}::DOUBLE AS DECIMAL(38,12))`;
  const rows = await c.store.all<NamespaceLine & { saving_total: string | null }>(
    `WITH n AS (
       SELECT n.*,
              CASE WHEN n.has_usage_data AND greatest(s.cpu_capacity_core_hours, s.cpu_used_core_hours) > 0
                   THEN CAST(s.cpu_cost * ${share('greatest(n.cpu_charged_core_hours - n.cpu_usage_core_hours, 0)', 'greatest(s.cpu_capacity_core_hours, s.cpu_used_core_hours)')} AS DECIMAL(38,12))
              END AS cpu_saving,
              CASE WHEN n.has_usage_data AND greatest(s.mem_capacity_gib_hours, s.mem_used_gib_hours) > 0
                   THEN CAST(s.mem_cost * ${share('greatest(n.mem_charged_gib_hours - n.mem_usage_gib_hours, 0)', 'greatest(s.mem_capacity_gib_hours, s.mem_used_gib_hours)')} AS DECIMAL(38,12))
              END AS mem_saving
       FROM namespace_stats n
       LEFT JOIN cluster_stats s ON s.run_id = n.run_id AND s.cluster = n.cluster AND s.currency = n.currency
       WHERE n.run_id = $1 AND n.owner_kind = 'team' AND n.owner_id = $2 AND n.currency = $3
     )
     SELECT cluster, namespace,
            ${money('cost', d)} AS cost, ${money('idle_cost', d)} AS idle, ${money('(cost + idle_cost)', d)} AS total,
            has_usage_data,
            cpu_request_core_hours::VARCHAR AS cpu_request_core_hours, cpu_usage_core_hours::VARCHAR AS cpu_usage_core_hours,
            mem_request_gib_hours::VARCHAR AS mem_request_gib_hours, mem_usage_gib_hours::VARCHAR AS mem_usage_gib_hours,
            CASE WHEN has_usage_data AND cpu_request_core_hours > 0
                 THEN (100 * cpu_usage_core_hours::DOUBLE / cpu_request_core_hours::DOUBLE)::DECIMAL(38,1)::VARCHAR END AS cpu_efficiency,
            CASE WHEN has_usage_data AND mem_request_gib_hours > 0
                 THEN (100 * mem_usage_gib_hours::DOUBLE / mem_request_gib_hours::DOUBLE)::DECIMAL(38,1)::VARCHAR END AS mem_efficiency,
            coalesce(sum(CASE WHEN has_usage_data THEN coalesce(cpu_saving, 0) + coalesce(mem_saving, 0) END) OVER (), 0)::DECIMAL(38,${d})::VARCHAR AS saving_total,
            CASE WHEN has_usage_data THEN (coalesce(cpu_saving, 0) + coalesce(mem_saving, 0))::DECIMAL(38,${d})::VARCHAR END AS saving
     FROM n ORDER BY cost + idle_cost DESC, cluster, namespace`,
    [c.runId, c.teamId, c.currency],
  );
  return { lines: rows.map(({ saving_total: _s, ...r }) => r), saving: rows[0]?.saving_total ?? roundDecimal('0', d) };
}

async function topMovers(c: Ctx, limit: number): Promise<Mover[]> {
  if (c.prevRunId === null) return [];
  const d = c.decimals;
  // Services outside Kubernetes, plus namespaces (cost + idle): together they partition the team's total.
  return c.store.all<Mover>(
    `WITH svc AS (
       SELECT 'service' AS kind, service AS name,
              coalesce(sum(amount) FILTER (WHERE run_id = $1), 0) AS cur,
              coalesce(sum(amount) FILTER (WHERE run_id = $2), 0) AS prev
       FROM chargeback_rows
       WHERE run_id IN ($1, $2) AND team_id = $3 AND currency = $4 AND charge_type NOT IN ('kubernetes', 'idle')
       GROUP BY service
     ),
     ns AS (
       SELECT 'namespace' AS kind, namespace || ' in ' || cluster AS name,
              coalesce(sum(cost + idle_cost) FILTER (WHERE run_id = $1), 0) AS cur,
              coalesce(sum(cost + idle_cost) FILTER (WHERE run_id = $2), 0) AS prev
       FROM namespace_stats
       WHERE run_id IN ($1, $2) AND owner_kind = 'team' AND owner_id = $3 AND currency = $4
       GROUP BY cluster, namespace
     ),
     m AS (SELECT * FROM svc UNION ALL SELECT * FROM ns)
     SELECT kind, name, ${money('cur', d)} AS current, ${money('prev', d)} AS previous, ${money('(cur - prev)', d)} AS change,
            CASE WHEN prev <> 0 THEN (((cur - prev) * 100)::DOUBLE / abs(prev)::DOUBLE)::DECIMAL(38,1)::VARCHAR END AS percent
     FROM m WHERE round(cur - prev, ${d}) <> 0
     ORDER BY abs(cur - prev) DESC, kind, name LIMIT ${Math.max(0, Math.floor(limit))}`,
    [c.runId, c.prevRunId, c.teamId, c.currency],
  );
}

/**
 * Another team's id, name or alias (3+ characters) as a word: a hygiene hint
 * that mentions one may be theirs, and a team's email never names another team.
 */
function otherTeamPattern(config: Config, teamId: string): RegExp | null {
  const words = config.teams
    .filter((t) => t.id !== teamId)
    .flatMap((t) => [t.id, t.name, ...t.aliases])
    .filter((w) => w.length >= 3)
    .map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return words.length ? new RegExp(`(^|[^a-z0-9])(${words.join('|')})($|[^a-z0-9])`, 'i') : null;
}

async function hygieneBlock(c: Ctx): Promise<Hygiene> {
  const d = c.decimals;
  const tagKey = c.config.team_tag_keys[0] ?? 'team';
  const labelKey = c.config.namespace_team_labels[0] ?? 'team';
  const other = otherTeamPattern(c.config, c.teamId);
  const mentionsOther = (s: string) => other?.test(s) ?? false;

  // Per-line-item ownership is kept for the latest run of a period only.
  const owners = await c.store.one<{ run_id: number | null }>(
    `SELECT max(run_id)::INTEGER AS run_id FROM line_item_owners
     WHERE run_id IN (SELECT run_id FROM allocation_runs WHERE period = $1)`,
    [c.period],
  );
  const ownersRun = owners?.run_id ?? null;

  let unknown: HygieneUnknownTag[] = [];
  if (ownersRun !== null && c.team.accounts.length > 0) {
    unknown = await c.store.all<HygieneUnknownTag>(
      `SELECT l.sub_account_id AS account, substr(o.detail, 5) AS tag,
              ${money(`sum(${COST(c.costMetric)})`, d)} AS amount, count(*)::VARCHAR AS line_items
       FROM line_item_owners o JOIN line_items l USING (li_id)
       WHERE o.run_id = $1 AND o.target_kind = 'unallocated' AND o.basis = 'tag'
         AND list_contains(from_json($2::JSON, '["VARCHAR"]'), l.sub_account_id) AND l.billing_currency = $3
       GROUP BY ALL ORDER BY abs(sum(${COST(c.costMetric)})) DESC, account, tag`,
      [ownersRun, listParam(c.team.accounts), c.currency],
    );
    unknown = unknown.filter((u) => !mentionsOther(u.tag));
  }

  const names = [c.team.id, ...c.team.aliases].map((n) => n.toLowerCase()).filter((n) => /^[a-z0-9._-]+$/.test(n));
  let nsItems: HygieneNamespace[] = [];
  if (names.length > 0) {
    nsItems = await c.store.all<HygieneNamespace>(
      `SELECT n.cluster, n.namespace, ${money('(n.cost + n.idle_cost)', d)} AS amount,
              coalesce((SELECT any_value(a.reason) FROM allocation_lineage a
                        WHERE a.run_id = n.run_id AND a.target_kind = 'unallocated' AND a.cluster = n.cluster
                          AND a.namespace = n.namespace AND a.reason IS NOT NULL), 'no owner') AS reason
       FROM namespace_stats n
       WHERE n.run_id = $1 AND n.owner_kind = 'unallocated' AND n.currency = $2
         AND len(list_filter(from_json($3::JSON, '["VARCHAR"]'), x -> contains(lower(n.namespace), x))) > 0
       ORDER BY n.cost + n.idle_cost DESC, n.cluster, n.namespace`,
      [c.runId, c.currency, listParam(names)],
    );
    nsItems = nsItems.filter((n) => !mentionsOther(n.namespace) && !mentionsOther(n.reason));
  }

  const accountOnly = await c.store.all<HygieneAccountOnly>(
    `SELECT substr(detail, 9) AS account, service, ${money('sum(amount)', d)} AS amount, sum(line_items)::VARCHAR AS line_items
     FROM allocation_lineage
     WHERE run_id = $1 AND target_kind = 'team' AND team_id = $2 AND basis = 'account' AND currency = $3
     GROUP BY ALL ORDER BY abs(sum(amount)) DESC, account, service`,
    [c.runId, c.teamId, c.currency],
  );

  const sum = async (xs: { amount: string }[]) =>
    (await c.store.one<{ s: string }>(`SELECT coalesce(sum(x::DECIMAL(38,12)), 0)::DECIMAL(38,${d})::VARCHAR AS s FROM unnest(from_json($1::JSON, '["VARCHAR"]')) t(x)`, [
      listParam(xs.map((x) => x.amount)),
    ]))!.s;
  const count = (xs: { line_items: string }[]) => String(xs.reduce((n, x) => n + BigInt(x.line_items), 0n));

  const tag = `${tagKey}=${c.team.id}`;
  return {
    tag_key: tagKey,
    label_key: labelKey,
    unknown_tags: {
      total: await sum(unknown),
      line_items: count(unknown),
      items: unknown,
      fix: `Set the tag ${tag} on these resources (or correct the value): the tag names no team, so the cost is unallocated although it is in your account.`,
    },
    unowned_namespaces: {
      total: await sum(nsItems),
      items: nsItems,
      fix: `If a namespace is yours, label it with ${labelKey}=${c.team.id}:`,
      command: `kubectl label namespace <name> ${labelKey}=${c.team.id} --overwrite`,
    },
    account_only: {
      total: await sum(accountOnly),
      line_items: count(accountOnly),
      items: accountOnly,
      fix: `Tag these resources ${tag}: today they reach you only because the account is yours, and would become unallocated in a shared account.`,
    },
    clean: unknown.length === 0 && nsItems.length === 0 && accountOnly.length === 0,
    owners_run_id: ownersRun,
  };
}

async function whyParts(c: Ctx): Promise<WhyPart[]> {
  // The team's lineage, grouped into bases people recognise. Shared parts show
  // the pool and its strategy only, never the weights (they are other teams').
  // The four largest are listed; the rest are summed as "N other bases".
  const rows = await c.store.all<{ key: string; label: string; namespaces: string | null; n: string; amount: string; percent: string }>(
    `WITH l AS (
       SELECT CASE
                WHEN basis IN ('namespace', 'idle') AND cluster IS NOT NULL THEN 'k8s:' || cluster
                WHEN basis = 'shared' THEN 'shared:' || coalesce(pool, service)
                ELSE basis || ':' || detail
              END AS key,
              CASE
                WHEN basis IN ('namespace', 'idle') AND cluster IS NOT NULL THEN cluster
                WHEN basis = 'shared' THEN 'shared ' || service || coalesce(' (' || nullif(regexp_extract(detail, 'split (\\w+)$', 1), '') || ')', '')
                WHEN basis = 'account' THEN detail || ' (no team tag)'
                ELSE detail
              END AS label,
              namespace, amount
       FROM allocation_lineage
       WHERE run_id = $1 AND target_kind = 'team' AND team_id = $2 AND currency = $3
       UNION ALL
       SELECT 'adjustment', 'adjustments of closed periods', NULL, amount_exact
       FROM chargeback_rows WHERE run_id = $1 AND team_id = $2 AND currency = $3 AND charge_type = 'adjustment'
     ),
     ns AS (SELECT key, namespace, sum(amount) AS amount FROM l WHERE namespace IS NOT NULL GROUP BY ALL),
     g AS (
       SELECT key, any_value(label) AS label, sum(amount) AS amount,
              (SELECT string_agg(namespace, ', ' ORDER BY ns.amount DESC, namespace) FROM ns WHERE ns.key = l.key) AS namespaces
       FROM l GROUP BY key
     ),
     ranked AS (
       SELECT *, row_number() OVER (ORDER BY abs(amount) DESC, key) AS rn,
              sum(abs(amount)) OVER () AS tot, count(*) OVER () AS cnt
       FROM g
     )
     SELECT any_value(key) AS key, any_value(label) AS label, any_value(namespaces) AS namespaces, count(*)::VARCHAR AS n,
            ${money('sum(amount)', c.decimals)} AS amount,
            CASE WHEN any_value(tot) = 0 THEN '0'
                 ELSE round(100 * sum(amount)::DOUBLE / any_value(tot)::DOUBLE)::BIGINT::VARCHAR END AS percent
     FROM ranked
     GROUP BY CASE WHEN cnt <= 5 THEN rn ELSE least(rn, 5) END
     ORDER BY CASE WHEN cnt <= 5 THEN rn ELSE least(rn, 5) END`,
    [c.runId, c.teamId, c.currency],
  );
  return rows.map((p) => {
    let label = p.label;
    if (p.n !== '1') label = `${p.n} other bases`;
    else if (p.key.startsWith('k8s:')) {
      const ns = (p.namespaces ?? '').split(', ').filter(Boolean);
      const shown = ns.slice(0, 3).join(', ') + (ns.length > 3 ? ` and ${ns.length - 3} more` : '');
      label = `Kubernetes namespace${ns.length === 1 ? '' : 's'} ${shown} in ${p.label}`;
    }
    return { label, amount: p.amount, percent: p.percent };
  });
}

async function dailyCost(c: Ctx): Promise<DailyPoint[]> {
  const owners = await c.store.one<{ run_id: number | null }>(
    `SELECT max(run_id)::INTEGER AS run_id FROM line_item_owners
     WHERE run_id IN (SELECT run_id FROM allocation_runs WHERE period = $1)`,
    [c.period],
  );
  const start = `${c.period}-01`;
  const end = `${addMonths(c.period, 1)}-01`;
  return c.store.all<DailyPoint>(
    `WITH comp AS (
       SELECT r.charge_type,
              CASE WHEN r.charge_type = 'direct' THEN 'team:' || r.team_id
                   WHEN r.charge_type IN ('kubernetes', 'idle') THEN 'cluster:' || regexp_extract(r.service, '^Kubernetes \\((.*)\\)$', 1)
                   ELSE 'pool:' || coalesce((SELECT any_value(a.pool) FROM allocation_lineage a
                                             WHERE a.run_id = r.run_id AND a.team_id = r.team_id AND a.basis = 'shared'
                                               AND a.service = r.service AND a.currency = r.currency), '')
              END AS src,
              sum(r.amount) AS amount
       FROM chargeback_rows r
       WHERE r.run_id = $1 AND r.team_id = $2 AND r.currency = $3 AND r.charge_type IN ('direct', 'kubernetes', 'idle', 'shared')
       GROUP BY ALL
     ),
     daily_src AS (
       SELECT o.target_kind || ':' || o.target_id AS src, l.charge_period_start::DATE AS day, sum(${COST(c.costMetric)}) AS cost
       FROM line_item_owners o JOIN line_items l USING (li_id)
       WHERE o.run_id = $4 AND l.billing_currency = $3
         AND ((o.target_kind = 'team' AND o.target_id = $2) OR o.target_kind IN ('cluster', 'pool'))
         AND o.target_kind || ':' || o.target_id IN (SELECT src FROM comp)
       GROUP BY ALL
     ),
     src_tot AS (SELECT src, sum(cost) AS tot FROM daily_src GROUP BY src),
     days AS (SELECT d::DATE AS day FROM generate_series($5::DATE, $6::DATE - INTERVAL 1 DAY, INTERVAL 1 DAY) t(d)),
     n AS (SELECT count(*) AS n FROM days)
     SELECT strftime(d.day, '%Y-%m-%d') AS day, c.charge_type,
            round(sum(CASE WHEN coalesce(st.tot, 0) = 0 THEN c.amount::DOUBLE / n.n
                           ELSE c.amount::DOUBLE * coalesce(ds.cost, 0)::DOUBLE / st.tot::DOUBLE END), ${c.decimals})::DECIMAL(38,${c.decimals})::VARCHAR AS amount
     FROM comp c CROSS JOIN days d CROSS JOIN n
     LEFT JOIN src_tot st ON st.src = c.src
     LEFT JOIN daily_src ds ON ds.src = c.src AND ds.day = d.day
     GROUP BY ALL ORDER BY day, c.charge_type`,
    [c.runId, c.teamId, c.currency, owners?.run_id ?? -1, start, end],
  );
}

async function trendPoints(c: Ctx): Promise<TrendPoint[]> {
  const periods = [5, 4, 3, 2, 1, 0].map((n) => addMonths(c.period, -n));
  const rows = await c.store.all<{ period: string; run_id: number | null; amount: string | null; n: string }>(
    `WITH p AS (SELECT unnest(from_json($1::JSON, '["VARCHAR"]')) AS period),
     r AS (
       SELECT p.period,
              coalesce((SELECT run_id FROM period_closes c WHERE c.period = p.period AND c.status = 'closed'),
                       (SELECT max(run_id) FROM allocation_runs a WHERE a.period = p.period))::INTEGER AS run_id
       FROM p
     )
     SELECT r.period, r.run_id, sum(x.amount)::VARCHAR AS amount, count(x.amount)::VARCHAR AS n
     FROM r LEFT JOIN chargeback_rows x ON x.run_id = r.run_id AND x.team_id = $2 AND x.currency = $3
     GROUP BY ALL ORDER BY r.period`,
    [listParam(periods), c.teamId, c.currency],
  );
  return rows.map((r) => ({
    period: r.period,
    run_id: r.run_id,
    // A month with a run but no rows for the team is 0; a month without a run has no data.
    amount: r.run_id === null ? null : roundDecimal(r.n === '0' ? '0' : (r.amount ?? '0'), c.decimals),
  }));
}

/** A list parameter, read in SQL as `from_json($n::JSON, '["VARCHAR"]')` (an empty list binds too). */
function listParam(values: string[]): string {
  return JSON.stringify(values);
}
