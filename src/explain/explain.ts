import type { Store } from '../store/db.ts';
import { requirePeriodRunId } from '../store/runs.ts';
import { AllotError } from '../util/errors.ts';

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
  else if (await store.one('SELECT 1 AS ok FROM allocation_runs WHERE run_id = $1 AND period = $2', [opts.runId, period])) runId = opts.runId;
  else throw new AllotError(`no allocation run #${opts.runId} for period ${period}`);

  const rows = await store.all<Omit<ExplainedRow, 'bases'> & { team_name: string }>(
    `SELECT team_name, charge_type, service, currency, amount::VARCHAR AS amount, amount_exact::VARCHAR AS amount_exact,
            line_items::VARCHAR AS line_items
     FROM chargeback_rows WHERE run_id = $1 AND team_id = $2 ORDER BY charge_type, service, currency`,
    [runId, teamId],
  );
  if (rows.length === 0) {
    const teams = await store.all<{ team_id: string }>('SELECT DISTINCT team_id FROM chargeback_rows WHERE run_id = $1 ORDER BY 1', [runId]);
    throw new AllotError(`team "${teamId}" has no cost in ${period} (run #${runId}); teams with cost: ${teams.map((t) => t.team_id).join(', ')}`);
  }
  const bases = await store.all<Basis & { charge_type: string; service: string; currency: string }>(
    `SELECT charge_type, service, currency, basis, detail, cluster, namespace, pool,
            cpu_core_hours::VARCHAR AS cpu_core_hours, mem_gib_hours::VARCHAR AS mem_gib_hours, weight::VARCHAR AS weight,
            amount::VARCHAR AS amount, line_items::VARCHAR AS line_items
     FROM allocation_lineage
     WHERE run_id = $1 AND team_id = $2 AND target_kind <> 'pool'
     ORDER BY charge_type, service, currency, abs(amount) DESC, detail`,
    [runId, teamId],
  );
  const key = (r: { charge_type: string; service: string; currency: string }) => `${r.charge_type}\u0000${r.service}\u0000${r.currency}`;
  const byRow = new Map<string, Basis[]>();
  for (const { charge_type, service, currency, ...b } of bases) {
    const k = key({ charge_type, service, currency });
    byRow.set(k, [...(byRow.get(k) ?? []), b]);
  }

  const clusters = await store.all<ClusterContext>(
    `SELECT cluster, currency, pool_cost::VARCHAR AS pool_cost, line_items::VARCHAR AS line_items,
            cpu_capacity_core_hours::VARCHAR AS cpu_capacity_core_hours, mem_capacity_gib_hours::VARCHAR AS mem_capacity_gib_hours,
            cpu_used_core_hours::VARCHAR AS cpu_used_core_hours, mem_used_gib_hours::VARCHAR AS mem_used_gib_hours,
            cpu_cost::VARCHAR AS cpu_cost, mem_cost::VARCHAR AS mem_cost, idle_cost::VARCHAR AS idle_cost, idle_policy
     FROM cluster_stats
     WHERE run_id = $1 AND cluster IN (SELECT cluster FROM allocation_lineage WHERE run_id = $1 AND team_id = $2 AND cluster IS NOT NULL)
     ORDER BY cluster, currency`,
    [runId, teamId],
  );

  const poolRows = await store.all<{ pool: string; currency: string; team_weight: string; total_weight: string }>(
    `SELECT pool, currency, sum(weight) FILTER (WHERE team_id = $2)::VARCHAR AS team_weight, sum(weight)::VARCHAR AS total_weight
     FROM allocation_lineage WHERE run_id = $1 AND basis = 'shared' AND target_kind = 'team'
       AND pool IN (SELECT pool FROM allocation_lineage WHERE run_id = $1 AND team_id = $2 AND basis = 'shared')
     GROUP BY ALL ORDER BY pool, currency`,
    [runId, teamId],
  );
  const pools: PoolContext[] = [];
  for (const p of poolRows) {
    const inputs = await store.all<PoolContext['inputs'][number]>(
      `SELECT basis, detail, service, sum(amount)::VARCHAR AS amount FROM allocation_lineage
       WHERE run_id = $1 AND target_kind = 'pool' AND team_id = $2 AND currency = $3
       GROUP BY ALL ORDER BY abs(sum(amount)) DESC, detail`,
      [runId, p.pool, p.currency],
    );
    const total = await store.one<{ total: string }>(
      `SELECT sum(amount)::VARCHAR AS total FROM allocation_lineage WHERE run_id = $1 AND target_kind = 'pool' AND team_id = $2 AND currency = $3`,
      [runId, p.pool, p.currency],
    );
    pools.push({ ...p, total: total?.total ?? '0', inputs });
  }

  const largest = await store.all<LineItemRef>(
    `WITH mine AS (
       -- Direct line items, and the line items of the cluster pools the team draws on.
       SELECT o.li_id, 'direct' AS charge_type, o.detail AS matched_by FROM line_item_owners o
       WHERE o.run_id = $1 AND o.target_kind = 'team' AND o.target_id = $2
       UNION ALL
       SELECT o.li_id, 'kubernetes', o.detail FROM line_item_owners o
       WHERE o.run_id = $1 AND o.target_kind = 'cluster'
         AND o.target_id IN (SELECT cluster FROM allocation_lineage WHERE run_id = $1 AND team_id = $2 AND cluster IS NOT NULL)
     )
     SELECT l.li_id::VARCHAR AS li_id, i.file, l.source_line::VARCHAR AS line, m.charge_type, l.service_name AS service,
            l.sub_account_id, l.resource_id, l.charge_category,
            line_item_cost(r.cost_metric, l.billed_cost, l.effective_cost, l.list_cost)::VARCHAR AS cost,
            l.billing_currency AS currency, m.matched_by
     FROM mine m
     JOIN line_items l USING (li_id)
     LEFT JOIN imports i ON i.import_id = l.import_id
     CROSS JOIN (SELECT cost_metric FROM allocation_runs WHERE run_id = $1) r
     ORDER BY abs(line_item_cost(r.cost_metric, l.billed_cost, l.effective_cost, l.list_cost)) DESC, l.li_id
     LIMIT $3`,
    [runId, teamId, opts.top ?? 10],
  );

  const totals = await store.all<{ currency: string; amount: string }>(
    `SELECT currency, sum(amount)::VARCHAR AS amount FROM chargeback_rows WHERE run_id = $1 AND team_id = $2 GROUP BY 1 ORDER BY 1`,
    [runId, teamId],
  );

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

