import type { Store } from '../store/db.ts';
import { sqlFolder } from '../store/sql.ts';
import { requirePeriodRunId } from '../store/runs.ts';
import { AllotError } from '../util/errors.ts';

const sql = sqlFolder(new URL('./sql/', import.meta.url));

/** One basis behind a row: the rule, tag, account, namespace or split that put money there. */
export interface Basis {
  basis: string;
  detail: string;
  cluster: string | null;
  namespace: string | null;
  pool: string | null;
  cpu_core_hours: string | null;
  mem_gib_hours: string | null;
  weight: string | null;
  amount: string;
  line_items: string;
}

export interface ExplainedRow {
  charge_type: string;
  service: string;
  currency: string;
  amount: string;
  amount_exact: string;
  line_items: string;
  bases: Basis[];
}

export interface ClusterContext {
  cluster: string;
  currency: string;
  pool_cost: string;
  line_items: string;
  cpu_capacity_core_hours: string | null;
  mem_capacity_gib_hours: string | null;
  cpu_used_core_hours: string | null;
  mem_used_gib_hours: string | null;
  cpu_cost: string | null;
  mem_cost: string | null;
  idle_cost: string | null;
  idle_policy: string;
}

export interface PoolContext {
  pool: string;
  currency: string;
  total: string;
  /** What went into the pool: rules, system namespaces, platform idle. */
  inputs: { basis: string; detail: string; service: string; amount: string }[];
  /** This team's weight and the sum of all receivers' weights. */
  team_weight: string;
  total_weight: string;
}

export interface LineItemRef {
  li_id: string;
  file: string | null;
  line: string;
  charge_type: string;
  service: string | null;
  sub_account_id: string | null;
  resource_id: string | null;
  charge_category: string;
  cost: string;
  currency: string;
  matched_by: string;
}

export interface Explanation {
  period: string;
  run_id: number;
  team_id: string;
  team_name: string;
  totals: { currency: string; amount: string }[];
  rows: ExplainedRow[];
  clusters: ClusterContext[];
  pools: PoolContext[];
  largest_line_items: LineItemRef[];
}

/** Why a team's number is what it is, from the period's run (see periodRunId) or `opts.runId`. */
export async function explain(store: Store, period: string, teamId: string, opts: { runId?: number; top?: number } = {}): Promise<Explanation> {
  let runId: number;
  if (opts.runId === undefined) runId = await requirePeriodRunId(store, period);
  else if (await store.one(sql('run-of-period'), [opts.runId, period])) runId = opts.runId;
  else throw new AllotError(`no allocation run #${opts.runId} for period ${period}`);

  const rows = await store.all<Omit<ExplainedRow, 'bases'> & { team_name: string }>(sql('rows'), [runId, teamId]);
  if (rows.length === 0) {
    const teams = await store.all<{ team_id: string }>(sql('teams-with-cost'), [runId]);
    throw new AllotError(`team "${teamId}" has no cost in ${period} (run #${runId}); teams with cost: ${teams.map((t) => t.team_id).join(', ')}`);
  }
  const bases = await store.all<Basis & { charge_type: string; service: string; currency: string }>(sql('bases'), [runId, teamId]);
  const key = (r: { charge_type: string; service: string; currency: string }) => `${r.charge_type}\u0000${r.service}\u0000${r.currency}`;
  const byRow = new Map<string, Basis[]>();
  for (const { charge_type, service, currency, ...b } of bases) {
    const k = key({ charge_type, service, currency });
    byRow.set(k, [...(byRow.get(k) ?? []), b]);
  }

  const clusters = await store.all<ClusterContext>(sql('clusters'), [runId, teamId]);
  const poolRows = await store.all<Omit<PoolContext, 'inputs'>>(sql('pools'), [runId, teamId]);
  const inputs = await store.all<PoolContext['inputs'][number] & { pool: string; currency: string }>(sql('pool-inputs'), [runId, teamId]);
  const pools: PoolContext[] = poolRows.map((p) => ({
    ...p,
    inputs: inputs.filter((i) => i.pool === p.pool && i.currency === p.currency).map(({ pool: _p, currency: _c, ...i }) => i),
  }));
  const largest = await store.all<LineItemRef>(sql('largest-line-items'), [runId, teamId, opts.top ?? 10]);
  const totals = await store.all<{ currency: string; amount: string }>(sql('totals'), [runId, teamId]);

  return {
    period,
    run_id: runId,
    team_id: teamId,
    team_name: rows[0]!.team_name,
    totals,
    rows: rows.map(({ team_name: _t, ...r }) => ({ ...r, bases: byRow.get(key(r)) ?? [] })),
    clusters,
    pools,
    largest_line_items: largest,
  };
}

