// Builds the team report (./types.ts) from a stored allocation run, with the
// queries in ./sql/. See types.ts for what each figure means.
import { closeRecord, type ManifestTieOut } from '../../close/close.ts';
import type { Config, Team } from '../../config/schema.ts';
import type { Params, Store } from '../../store/db.ts';
import { periodRunId, requirePeriodRunId } from '../../store/runs.ts';
import { sqlFolder } from '../../store/sql.ts';
import { isZero, percentChange, roundDecimal, subtractDecimal, sumDecimals } from '../../util/decimal.ts';
import { AllotError } from '../../util/errors.ts';
import { groupBy } from '../../util/group.ts';
import { addMonths, periodDays, periodLabel, type Period } from '../../util/period.ts';
import {
  CHARGE_TYPES,
  type AmountChange,
  type DailyPoint,
  type Hygiene,
  type HygieneAccountOnly,
  type HygieneNamespace,
  type HygieneUnknownTag,
  type Mover,
  type NamespaceLine,
  type PlatformValueLine,
  type ReportStatus,
  type ServiceLine,
  type TeamReport,
  type TrendPoint,
  type WhyPart,
} from './types.ts';
import { platformValueLinesOrNone } from './value-line.ts';
import { budgetLine } from '../budgets/report.ts';
import { teamsBudgets } from '../budgets/budgets.ts';

const sql = sqlFolder(new URL('./sql/', import.meta.url));

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

/** How many teams' sections are read together: memory stays bounded however many teams there are. */
const BATCH = 500;

/**
 * Several teams' reports for one period, one after the other, with the value
 * model computed once for all (a value model that cannot run gives no value
 * lines and a warning). Every batch of team reports (send, files, the
 * monthly job) builds them here. Each section is one query for a batch of
 * teams, not one per team: per team, the queries' fixed cost was most of it.
 */
export async function* buildTeamReports(
  store: Store,
  config: Config,
  period: Period,
  teamIds: readonly string[],
  warnings: string[] = [],
): AsyncGenerator<TeamReport> {
  if (!teamIds.length) return;
  const values = await platformValueLinesOrNone(store, config, period, warnings);
  for (let i = 0; i < teamIds.length; i += BATCH) {
    const reports = await buildBatch(store, config, period, teamIds.slice(i, i + BATCH), { platformValue: (id) => values.get(id) ?? null });
    for (const report of reports) yield report();
  }
}

/** Builds one team's report for a period. Throws AllotError for an unknown team or a period without a run. */
export async function buildTeamReport(store: Store, config: Config, period: Period, teamId: string, opts: BuildOptions = {}): Promise<TeamReport> {
  teamOf(config, teamId);
  const pv = opts.platformValue === undefined ? ((await platformValueLinesOrNone(store, config, period)).get(teamId) ?? null) : opts.platformValue;
  const [report] = await buildBatch(store, config, period, [teamId], { platformValue: () => pv, ...(opts.movers === undefined ? {} : { movers: opts.movers }) });
  return report!();
}

function teamOf(config: Config, teamId: string): Team {
  const team = config.teams.find((t) => t.id === teamId);
  if (!team) throw new AllotError(`unknown team "${teamId}"; teams: ${config.teams.map((t) => t.id).join(', ')}`);
  return team;
}

/** What every report of a batch reads: the run, last month's, and each team's currency. */
interface Ctx {
  store: Store;
  config: Config;
  period: Period;
  runId: number;
  prevRunId: number | null;
  costMetric: string;
  /** The batch's known teams. */
  teams: Team[];
  /** Each team's report currency and its decimals. */
  money: Map<string, { currency: string; decimals: number }>;
  /** The teams with their currencies, the JSON list most section queries take. */
  teamsParam: string;
}

/** A batch query's rows by team id, each without its team_id column. */
type Rows<T> = Map<string, T[]>;

async function byTeam<T>(c: Ctx, name: string, params: Params): Promise<Rows<T>> {
  const rows = await c.store.all<T & { team_id: string }>(sql(name), params);
  const out = groupBy(rows, (r) => r.team_id);
  return new Map([...out].map(([id, rs]) => [id, rs.map(({ team_id: _, ...r }) => r as T)]));
}

/**
 * Reads the sections of a batch of teams' reports and returns, per team id in
 * order, what assembles its report: an unknown team throws only there, after
 * the teams before it, as when each was built alone.
 */
async function buildBatch(
  store: Store,
  config: Config,
  period: Period,
  teamIds: readonly string[],
  opts: { platformValue: (teamId: string) => PlatformValueLine | null; movers?: number },
): Promise<(() => TeamReport)[]> {
  const runId = await requirePeriodRunId(store, period);
  const run = (await store.one<{ cost_metric: string; closed: boolean }>(sql('run'), [runId, period]))!;
  const previousPeriod = addMonths(period, -1);
  const prevRunId = (await periodRunId(store, previousPeriod)) ?? null;
  const status = reportStatus(run.closed ? ((await closeRecord(store, period))?.tieout ?? null) : undefined, periodLabel(period));

  const teams = [...new Set(teamIds)].flatMap((id) => config.teams.find((t) => t.id === id) ?? []);
  const ids = JSON.stringify(teams.map((t) => t.id));
  const currencies = groupBy(
    await store.all<{ team_id: string | null; currency: string; decimals: number; total: string }>(sql('currencies'), [runId, ids]),
    (r) => r.team_id,
  );
  // A team without cost this month reports zero in the run's main currency.
  const runMain = currencies.get(null)?.[0];
  const money = new Map(
    teams.map((t) => {
      const mine = currencies.get(t.id)?.[0];
      return [t.id, mine ? { currency: mine.currency, decimals: mine.decimals } : { currency: runMain?.currency ?? 'USD', decimals: runMain?.decimals ?? config.currency_decimals }];
    }),
  );
  const teamsParam = JSON.stringify(teams.map((t) => ({ team_id: t.id, currency: money.get(t.id)!.currency })));
  const c: Ctx = { store, config, period, runId, prevRunId, costMetric: run.cost_metric, teams, money, teamsParam };

  // One connection: the sections' queries run one after the other.
  const prevTotals = prevRunId === null ? new Map<string, string>() : await teamTotals(c, prevRunId);
  const bookings = await byTeam<{ mode: string; cost_center: string; gl_account: string }>(c, 'booking', [runId, ids]);
  const byType = await byTeam<{ charge_type: string; run_id: number; amount: string }>(c, 'charge-types', [runId, prevRunId ?? -1, teamsParam]);
  const lines = await byTeam<ServiceLine & { decimals: number }>(c, 'service-lines', [runId, prevRunId ?? -1, teamsParam]);
  const ns = await byTeam<NamespaceLine>(c, 'namespaces', [runId, teamsParam]);
  const movers = prevRunId === null ? new Map<string, Mover[]>() : await byTeam<Mover>(c, 'movers', [runId, prevRunId, teamsParam]);
  const hygiene = await hygieneRows(c);
  const why = await byTeam<WhyRow>(c, 'why', [runId, teamsParam]);
  const { start, end } = periodDays(period);
  const daily = await byTeam<DailyPoint>(c, 'daily', [runId, teamsParam, start, end]);
  const trendPeriods = [5, 4, 3, 2, 1, 0].map((n) => addMonths(period, -n));
  const trend = await byTeam<TrendRow>(c, 'trend', [listParam(trendPeriods), teamsParam]);
  // The trend's months include the report's own.
  const budgets = await teamsBudgets(store, config, teams.map((t) => t.id), trendPeriods);

  return teamIds.map((id) => () => {
    const team = teamOf(config, id);
    const { currency, decimals } = money.get(id)!;
    const mine = currencies.get(id) ?? [];
    const total = roundDecimal(mine[0]?.total ?? '0', decimals);
    const row = bookings.get(id)?.[0];
    // As booked by the run when it has rows for the team, else as configured now.
    const mode = (row?.mode ?? team.mode) as 'chargeback' | 'showback';
    const costCenter = row?.cost_center ?? team.cost_center;
    const glAccount = row?.gl_account ?? team.gl_account;
    const pv = opts.platformValue(id);
    const trendPoints = trendOf(trend.get(id) ?? [], decimals);
    const budget = budgetLine(budgets.get(id)!, id, period, { currency, decimals, total }, trendPoints);
    const nsLines = namespacesOf(ns.get(id) ?? [], decimals);
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
      other_currencies: mine.slice(1).map((x) => ({ currency: x.currency, amount: roundDecimal(x.total, x.decimals) })),
      previous_period: previousPeriod,
      previous_period_label: periodLabel(previousPeriod),
      previous_run_id: prevRunId,
      change: amountChange(total, prevRunId === null ? null : (prevTotals.get(id) ?? null), decimals),
      by_charge_type: chargeTypesOf(byType.get(id) ?? [], runId, prevRunId, decimals),
      lines: serviceLinesOf(lines.get(id) ?? []),
      namespaces: nsLines.lines,
      saving_total: nsLines.saving,
      movers: moversOf(movers.get(id) ?? [], decimals, opts.movers ?? 5),
      hygiene: hygieneOf(c, team, hygiene, decimals),
      chargeback: mode === 'chargeback' ? { cost_center: costCenter, gl_account: glAccount } : null,
      why: whyOf(why.get(id) ?? [], decimals),
      daily: (daily.get(id) ?? []).map((r) => ({ ...r, amount: roundDecimal(r.amount, decimals) })),
      trend: trendPoints,
      ...(pv ? { platform_value: pv } : {}),
      ...(budget ? { budget } : {}),
    };
  });
}

/** Each team's total in its currency in a run (absent: no rows). */
async function teamTotals(c: Ctx, runId: number): Promise<Map<string, string>> {
  const rows = await c.store.all<{ team_id: string; total: string }>(sql('team-total'), [runId, c.teamsParam]);
  return new Map(rows.map((r) => [r.team_id, r.total]));
}

function amountChange(current: string, previous: string | null, decimals: number): AmountChange {
  if (previous === null) return { previous: null, amount: null, percent: null, is_new: true };
  const prev = roundDecimal(previous, decimals);
  return { previous: prev, amount: subtractDecimal(current, previous, decimals), percent: percentChange(current, previous), is_new: false };
}

function chargeTypesOf(rows: { charge_type: string; run_id: number; amount: string }[], runId: number, prevRunId: number | null, decimals: number): TeamReport['by_charge_type'] {
  const get = (type: string, run: number | null) => rows.find((r) => r.charge_type === type && r.run_id === run)?.amount;
  // The four standing types always show; adjustments (of closed months) only when there are some.
  const shown = CHARGE_TYPES.filter((t) => t !== 'adjustment' || rows.some((r) => r.charge_type === t));
  return shown.map((t) => {
    const prev = prevRunId === null ? null : (get(t, prevRunId) ?? '0');
    return { charge_type: t, amount: roundDecimal(get(t, runId) ?? '0', decimals), previous: prev === null ? null : roundDecimal(prev, decimals) };
  });
}

function serviceLinesOf(rows: (ServiceLine & { decimals: number })[]): ServiceLine[] {
  return rows.map(({ decimals, ...r }) => ({
    ...r,
    amount: roundDecimal(r.amount, decimals),
    previous: r.previous === null ? null : roundDecimal(r.previous, decimals),
  }));
}

function namespacesOf(rows: NamespaceLine[], d: number): { lines: NamespaceLine[]; saving: string } {
  const savings = rows.flatMap((r) => (r.saving === null ? [] : [r.saving]));
  return {
    lines: rows.map((r) => ({
      ...r,
      cost: roundDecimal(r.cost, d),
      idle: roundDecimal(r.idle, d),
      total: roundDecimal(r.total, d),
      saving: r.saving === null ? null : roundDecimal(r.saving, d),
    })),
    saving: roundDecimal(sumDecimals(savings, 12), d),
  };
}

function moversOf(rows: Mover[], d: number, limit: number): Mover[] {
  return rows
    .map((m) => ({ ...m, current: roundDecimal(m.current, d), previous: roundDecimal(m.previous, d), change: roundDecimal(m.change, d) }))
    .filter((m) => !isZero(m.change))
    .slice(0, Math.max(0, Math.floor(limit)));
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

interface HygieneRows {
  ownersRun: number | null;
  unknown: Rows<HygieneUnknownTag>;
  namespaces: Rows<HygieneNamespace>;
  accountOnly: Rows<HygieneAccountOnly>;
}

/** The teams' names a namespace is matched against: the id and aliases that can be part of a namespace name. */
const namespaceNames = (team: Team) => [team.id, ...team.aliases].map((n) => n.toLowerCase()).filter((n) => /^[a-z0-9._-]+$/.test(n));

async function hygieneRows(c: Ctx): Promise<HygieneRows> {
  // Per-line-item ownership is kept for the latest run of a period only.
  const ownersRun = (await c.store.one<{ run_id: number | null }>(sql('owners-run'), [c.period]))?.run_id ?? null;
  // The daily series read the owner sums too (empty without an owners run).
  await prepareOwnerSums(c.store, ownersRun, c.costMetric);
  const currency = (t: Team) => c.money.get(t.id)!.currency;
  const withAccounts = c.teams.filter((t) => t.accounts.length > 0);
  const unknown =
    ownersRun !== null && withAccounts.length > 0
      ? await byTeam<HygieneUnknownTag>(c, 'hygiene-unknown-tags', [JSON.stringify(withAccounts.map((t) => ({ team_id: t.id, currency: currency(t), accounts: t.accounts })))])
      : new Map();
  const named = c.teams.filter((t) => namespaceNames(t).length > 0);
  const namespaces =
    named.length > 0
      ? await byTeam<HygieneNamespace>(c, 'hygiene-namespaces', [c.runId, JSON.stringify(named.map((t) => ({ team_id: t.id, currency: currency(t), names: namespaceNames(t) })))])
      : new Map();
  const accountOnly = await byTeam<HygieneAccountOnly>(c, 'hygiene-account-only', [c.runId, c.teamsParam]);
  return { ownersRun, unknown, namespaces, accountOnly };
}

function hygieneOf(c: Ctx, team: Team, rows: HygieneRows, d: number): Hygiene {
  const tagKey = c.config.team_tag_keys[0] ?? 'team';
  const labelKey = c.config.namespace_team_labels[0] ?? 'team';
  const other = otherTeamPattern(c.config, team.id);
  const mentionsOther = (s: string) => other?.test(s) ?? false;
  const rounded = <T extends { amount: string }>(xs: T[]): T[] => xs.map((x) => ({ ...x, amount: roundDecimal(x.amount, d) }));

  const unknown = rounded(rows.unknown.get(team.id) ?? []).filter((u) => !mentionsOther(u.tag));
  const nsItems = rounded(rows.namespaces.get(team.id) ?? []).filter((n) => !mentionsOther(n.namespace) && !mentionsOther(n.reason));
  const accountOnly = rounded(rows.accountOnly.get(team.id) ?? []);

  const sum = (xs: { amount: string }[]) => sumDecimals(xs.map((x) => x.amount), d);
  const count = (xs: { line_items: string }[]) => String(xs.reduce((n, x) => n + BigInt(x.line_items), 0n));

  const tag = `${tagKey}=${team.id}`;
  return {
    tag_key: tagKey,
    label_key: labelKey,
    unknown_tags: {
      total: sum(unknown),
      line_items: count(unknown),
      items: unknown,
      fix: `Set the tag ${tag} on these resources (or correct the value): the tag names no team, so the cost is unallocated although it is in your account.`,
    },
    unowned_namespaces: {
      total: sum(nsItems),
      items: nsItems,
      fix: `If a namespace is yours, label it with ${labelKey}=${team.id}:`,
      command: `kubectl label namespace <name> ${labelKey}=${team.id} --overwrite`,
    },
    account_only: {
      total: sum(accountOnly),
      line_items: count(accountOnly),
      items: accountOnly,
      fix: `Tag these resources ${tag}: today they reach you only because the account is yours, and would become unallocated in a shared account.`,
    },
    clean: unknown.length === 0 && nsItems.length === 0 && accountOnly.length === 0,
    owners_run_id: rows.ownersRun,
  };
}

/** The owner sums (owner-sums.sql) a connection last built, by owners run and cost measure. */
const preparedSums = new WeakMap<Store, string>();

/**
 * Sums the line items of a run per owner and day, and its unknown team tags,
 * once for every team report built on this connection from that run: per
 * team, each was a pass over every line item of the month.
 */
async function prepareOwnerSums(store: Store, ownersRun: number | null, costMetric: string): Promise<void> {
  const key = `${ownersRun}:${costMetric}`;
  if (preparedSums.get(store) === key) return;
  await store.run('CREATE OR REPLACE TEMP TABLE owner_sums_params AS SELECT $1::INTEGER AS owners_run, $2::VARCHAR AS cost_metric', [ownersRun ?? -1, costMetric]);
  await store.run(sql('owner-sums'));
  preparedSums.set(store, key);
}

type WhyRow = { key: string; label: string; namespaces: string | null; n: string; amount: string; percent: string };

function whyOf(rows: WhyRow[], decimals: number): WhyPart[] {
  return rows.map((p) => {
    let label = p.label;
    if (p.n !== '1') label = `${p.n} other bases`;
    else if (p.key.startsWith('k8s:')) {
      const ns = (p.namespaces ?? '').split(', ').filter(Boolean);
      const shown = ns.slice(0, 3).join(', ') + (ns.length > 3 ? ` and ${ns.length - 3} more` : '');
      label = `Kubernetes namespace${ns.length === 1 ? '' : 's'} ${shown} in ${p.label}`;
    }
    return { label, amount: roundDecimal(p.amount, decimals), percent: p.percent };
  });
}

type TrendRow = { period: string; run_id: number | null; amount: string | null; n: string };

function trendOf(rows: TrendRow[], decimals: number): TrendPoint[] {
  return rows.map((r) => ({
    period: r.period,
    run_id: r.run_id,
    // A month with a run but no rows for the team is 0; a month without a run has no data.
    amount: r.run_id === null ? null : roundDecimal(r.n === '0' ? '0' : (r.amount ?? '0'), decimals),
  }));
}

/** A list parameter, read in SQL as `from_json($n::JSON, '["VARCHAR"]')` (an empty list binds too). */
function listParam(values: string[]): string {
  return JSON.stringify(values);
}
