// Builds the team report (./types.ts) from a stored allocation run, with the
// queries in ./sql/. See types.ts for what each figure means.
import { closeRecord, type ManifestTieOut } from '../../close/close.ts';
import type { Config, Team } from '../../config/schema.ts';
import type { Store } from '../../store/db.ts';
import { periodRunId, requirePeriodRunId } from '../../store/runs.ts';
import { sqlFolder } from '../../store/sql.ts';
import { isZero, percentChange, roundDecimal, subtractDecimal, sumDecimals } from '../../util/decimal.ts';
import { AllotError } from '../../util/errors.ts';
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

/**
 * Several teams' reports for one period, one after the other, with the value
 * model computed once for all (a value model that cannot run gives no value
 * lines and a warning). Every batch of team reports (send, files, the
 * monthly job) builds them here.
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
  for (const id of teamIds) yield buildTeamReport(store, config, period, id, { platformValue: values.get(id) ?? null });
}

/** Builds one team's report for a period. Throws AllotError for an unknown team or a period without a run. */
export async function buildTeamReport(store: Store, config: Config, period: Period, teamId: string, opts: BuildOptions = {}): Promise<TeamReport> {
  const team = config.teams.find((t) => t.id === teamId);
  if (!team) throw new AllotError(`unknown team "${teamId}"; teams: ${config.teams.map((t) => t.id).join(', ')}`);
  const runId = await requirePeriodRunId(store, period);
  const run = (await store.one<{ cost_metric: string; closed: boolean }>(sql('run'), [runId, period]))!;
  const previousPeriod = addMonths(period, -1);
  const prevRunId = (await periodRunId(store, previousPeriod)) ?? null;
  const status = reportStatus(run.closed ? ((await closeRecord(store, period))?.tieout ?? null) : undefined, periodLabel(period));

  const currencies = await store.all<{ currency: string; decimals: number; total: string }>(sql('currencies'), [runId, teamId]);
  let currency: string;
  let decimals: number;
  if (currencies[0]) {
    ({ currency, decimals } = currencies[0]);
  } else {
    // No cost this month: report zero in the run's main currency.
    const c = (await store.all<{ currency: string; decimals: number }>(sql('currencies'), [runId, null]))[0];
    currency = c?.currency ?? 'USD';
    decimals = c?.decimals ?? config.currency_decimals;
  }
  const total = roundDecimal(currencies[0]?.total ?? '0', decimals);
  const other = currencies.slice(1).map((c) => ({ currency: c.currency, amount: roundDecimal(c.total, c.decimals) }));

  const ctx: Ctx = { store, runId, prevRunId, teamId, currency, decimals, team, config, period, costMetric: run.cost_metric };

  const prevTotal = prevRunId === null ? null : await teamTotal(store, prevRunId, teamId, currency);
  const change = amountChange(total, prevTotal, decimals);

  const row = await store.one<{ mode: string; cost_center: string; gl_account: string }>(sql('booking'), [runId, teamId]);
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
  const budget = await budgetLine(store, config, teamId, period, { currency, decimals, total }, trend);

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
    ...(budget ? { budget } : {}),
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
  period: Period;
  costMetric: string;
}

async function teamTotal(store: Store, runId: number, teamId: string, currency: string): Promise<string | null> {
  const r = await store.one<{ n: string; total: string | null }>(sql('team-total'), [runId, teamId, currency]);
  return r && r.n !== '0' ? r.total : null;
}

function amountChange(current: string, previous: string | null, decimals: number): AmountChange {
  if (previous === null) return { previous: null, amount: null, percent: null, is_new: true };
  const prev = roundDecimal(previous, decimals);
  return { previous: prev, amount: subtractDecimal(current, previous, decimals), percent: percentChange(current, previous), is_new: false };
}

async function chargeTypes(c: Ctx): Promise<TeamReport['by_charge_type']> {
  const rows = await c.store.all<{ charge_type: string; run_id: number; amount: string }>(sql('charge-types'), [c.runId, c.prevRunId ?? -1, c.teamId, c.currency]);
  const get = (type: string, run: number | null) => rows.find((r) => r.charge_type === type && r.run_id === run)?.amount;
  // The four standing types always show; adjustments (of closed months) only when there are some.
  const shown = CHARGE_TYPES.filter((t) => t !== 'adjustment' || rows.some((r) => r.charge_type === t));
  return shown.map((t) => {
    const prev = c.prevRunId === null ? null : (get(t, c.prevRunId) ?? '0');
    return { charge_type: t, amount: roundDecimal(get(t, c.runId) ?? '0', c.decimals), previous: prev === null ? null : roundDecimal(prev, c.decimals) };
  });
}

async function serviceLines(c: Ctx): Promise<ServiceLine[]> {
  const rows = await c.store.all<ServiceLine & { decimals: number }>(sql('service-lines'), [c.runId, c.prevRunId ?? -1, c.teamId, c.currency]);
  return rows.map(({ decimals, ...r }) => ({
    ...r,
    amount: roundDecimal(r.amount, decimals),
    previous: r.previous === null ? null : roundDecimal(r.previous, decimals),
  }));
}

async function namespaces(c: Ctx): Promise<{ lines: NamespaceLine[]; saving: string }> {
  const d = c.decimals;
  const rows = await c.store.all<NamespaceLine>(sql('namespaces'), [c.runId, c.teamId, c.currency]);
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

async function topMovers(c: Ctx, limit: number): Promise<Mover[]> {
  if (c.prevRunId === null) return [];
  const d = c.decimals;
  const rows = await c.store.all<Mover>(sql('movers'), [c.runId, c.prevRunId, c.teamId, c.currency]);
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

async function hygieneBlock(c: Ctx): Promise<Hygiene> {
  const d = c.decimals;
  const tagKey = c.config.team_tag_keys[0] ?? 'team';
  const labelKey = c.config.namespace_team_labels[0] ?? 'team';
  const other = otherTeamPattern(c.config, c.teamId);
  const mentionsOther = (s: string) => other?.test(s) ?? false;
  const rounded = <T extends { amount: string }>(xs: T[]): T[] => xs.map((x) => ({ ...x, amount: roundDecimal(x.amount, d) }));

  // Per-line-item ownership is kept for the latest run of a period only.
  const ownersRun = await ownersRunOf(c);

  let unknown: HygieneUnknownTag[] = [];
  if (ownersRun !== null && c.team.accounts.length > 0) {
    await prepareOwnerSums(c.store, ownersRun, c.costMetric);
    unknown = rounded(await c.store.all<HygieneUnknownTag>(sql('hygiene-unknown-tags'), [listParam(c.team.accounts), c.currency]));
    unknown = unknown.filter((u) => !mentionsOther(u.tag));
  }

  const names = [c.team.id, ...c.team.aliases].map((n) => n.toLowerCase()).filter((n) => /^[a-z0-9._-]+$/.test(n));
  let nsItems: HygieneNamespace[] = [];
  if (names.length > 0) {
    nsItems = rounded(await c.store.all<HygieneNamespace>(sql('hygiene-namespaces'), [c.runId, c.currency, listParam(names)]));
    nsItems = nsItems.filter((n) => !mentionsOther(n.namespace) && !mentionsOther(n.reason));
  }

  const accountOnly = rounded(await c.store.all<HygieneAccountOnly>(sql('hygiene-account-only'), [c.runId, c.teamId, c.currency]));

  const sum = (xs: { amount: string }[]) => sumDecimals(xs.map((x) => x.amount), d);
  const count = (xs: { line_items: string }[]) => String(xs.reduce((n, x) => n + BigInt(x.line_items), 0n));

  const tag = `${tagKey}=${c.team.id}`;
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
      fix: `If a namespace is yours, label it with ${labelKey}=${c.team.id}:`,
      command: `kubectl label namespace <name> ${labelKey}=${c.team.id} --overwrite`,
    },
    account_only: {
      total: sum(accountOnly),
      line_items: count(accountOnly),
      items: accountOnly,
      fix: `Tag these resources ${tag}: today they reach you only because the account is yours, and would become unallocated in a shared account.`,
    },
    clean: unknown.length === 0 && nsItems.length === 0 && accountOnly.length === 0,
    owners_run_id: ownersRun,
  };
}

async function ownersRunOf(c: Ctx): Promise<number | null> {
  return (await c.store.one<{ run_id: number | null }>(sql('owners-run'), [c.period]))?.run_id ?? null;
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

async function whyParts(c: Ctx): Promise<WhyPart[]> {
  const rows = await c.store.all<{ key: string; label: string; namespaces: string | null; n: string; amount: string; percent: string }>(sql('why'), [
    c.runId,
    c.teamId,
    c.currency,
  ]);
  return rows.map((p) => {
    let label = p.label;
    if (p.n !== '1') label = `${p.n} other bases`;
    else if (p.key.startsWith('k8s:')) {
      const ns = (p.namespaces ?? '').split(', ').filter(Boolean);
      const shown = ns.slice(0, 3).join(', ') + (ns.length > 3 ? ` and ${ns.length - 3} more` : '');
      label = `Kubernetes namespace${ns.length === 1 ? '' : 's'} ${shown} in ${p.label}`;
    }
    return { label, amount: roundDecimal(p.amount, c.decimals), percent: p.percent };
  });
}

async function dailyCost(c: Ctx): Promise<DailyPoint[]> {
  const { start, end } = periodDays(c.period);
  await prepareOwnerSums(c.store, await ownersRunOf(c), c.costMetric);
  const rows = await c.store.all<DailyPoint>(sql('daily'), [c.runId, c.teamId, c.currency, start, end]);
  return rows.map((r) => ({ ...r, amount: roundDecimal(r.amount, c.decimals) }));
}

async function trendPoints(c: Ctx): Promise<TrendPoint[]> {
  const periods = [5, 4, 3, 2, 1, 0].map((n) => addMonths(c.period, -n));
  const rows = await c.store.all<{ period: string; run_id: number | null; amount: string | null; n: string }>(sql('trend'), [listParam(periods), c.teamId, c.currency]);
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
