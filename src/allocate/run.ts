import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LoadedConfig } from '../config/load.ts';
import { redactConfig } from '../config/redact.ts';
import { ConfigSchema, type Config } from '../config/schema.ts';
import type { Store } from '../store/db.ts';
import { AllotError, PermanentError } from '../util/errors.ts';
import { loadConfigTables } from './config-tables.ts';
import { tieOut, type TieOut } from './tieout.ts';

const SQL_DIR = join(dirname(fileURLToPath(import.meta.url)), 'sql');

/** The contract's Steps 1–3, in order; each file reads the tables the previous wrote. */
const STEPS = ['split', 'inputs', 'classify', 'clusters', 'shared', 'rows'] as const;

const sqlCache = new Map<string, string>();
function sql(name: string): string {
  let text = sqlCache.get(name);
  if (text === undefined) {
    text = readFileSync(join(SQL_DIR, `${name}.sql`), 'utf8');
    sqlCache.set(name, text);
  }
  return text;
}

export interface CurrencyTotal {
  currency: string;
  /** The period's line items plus adjustments of closed periods booked here. */
  bill_exact: string;
  bill_rounded: string;
  adjustments: string;
  allocated_exact: string;
  allocated_rounded: string;
  line_items: string;
  ok: boolean;
}

export interface AttributionResult {
  runId: number;
  /** The store's bill against control totals from outside it (billing period = the period). */
  tieout: TieOut;
  period: string;
  costMetric: string;
  lineItems: number;
  totals: CurrencyTotal[];
  /** Per team (and 'unallocated') and currency, rounded, as decimal strings. */
  teams: { team_id: string; currency: string; total: string; direct: string; kubernetes: string; idle: string; shared: string; unallocated: string }[];
  /** Unallocated amounts by reason, largest first. */
  unallocatedReasons: { reason: string; currency: string; amount: string; line_items: string }[];
  /** % of the bill (absolute cost) that is not unallocated, per currency, as a decimal string. */
  allocatedPercent: { currency: string; percent: string }[];
}

export class ReconciliationError extends PermanentError {}

/**
 * `allot attribute`: applies the four steps inside DuckDB over the whole
 * period, checks the reconciliation invariant, then writes a new allocation
 * run in one transaction. A run that does not reconcile writes nothing.
 */
export async function attribute(store: Store, loaded: LoadedConfig, period: string, clock: () => Date = () => new Date()): Promise<AttributionResult> {
  const startedAt = clock();
  const closed = await store.one<{ run_id: number }>(`SELECT run_id FROM period_closes WHERE period = $1 AND status = 'closed'`, [period]);
  if (closed) {
    throw new AllotError(
      `period ${period} is closed (run #${closed.run_id}); late data for it is booked as adjustments in the next open period. ` +
        `To change it anyway: allot reopen --period ${period} --reason "..."`,
    );
  }
  const { lineItems, totals } = await computeAttribution(store, loaded.config, period);
  const inputs = await store.one<{ fp: string }>(
    `SELECT coalesce((SELECT string_agg(DISTINCT import_id::VARCHAR, ',' ORDER BY import_id::VARCHAR) FROM line_items l JOIN items USING (li_id)), '')
            || '|' || coalesce((SELECT string_agg(DISTINCT import_id::VARCHAR, ',' ORDER BY import_id::VARCHAR) FROM current_snapshots), '') AS fp`,
  );
  const inputsSha = createHash('sha256').update(inputs?.fp ?? '').digest('hex');

  const runId = await store.transaction(async () => {
    const id = (await store.one<{ id: number }>(`SELECT nextval('run_id_seq')::INTEGER AS id`))!.id;
    await store.run(
      `INSERT INTO allocation_runs VALUES ($1, $2, $3, $4, $5::JSON, $6, $7, $8::TIMESTAMP, $9::TIMESTAMP)`,
      [id, period, loaded.config.cost_metric, loaded.sha256, JSON.stringify(redactConfig(loaded.config)), inputsSha, lineItems,
        startedAt.toISOString(), clock().toISOString()],
    );
    await store.run(
      `INSERT INTO allocations SELECT $1, $2, team_id, charge_type, service, currency, amount_exact, line_items, corrects_period FROM rounded_rows`,
      [id, period],
    );
    await store.run(
      `INSERT INTO chargeback_rows
       SELECT $1, $2, r.team_id,
              coalesce(t.name, 'Unallocated'), coalesce(t.cost_center, p.unallocated_cost_center),
              coalesce(t.gl_account, p.unallocated_gl_account), coalesce(t.mode, 'showback'),
              r.charge_type, r.service, r.currency, r.decimals, r.amount_exact, r.amount, r.line_items, r.corrects_period
       FROM rounded_rows r CROSS JOIN run_params p LEFT JOIN cfg_teams t ON t.team_id = r.team_id`,
      [id, period],
    );
    await store.run(
      `INSERT INTO allocation_lineage
       SELECT $1, target_kind, target_id, charge_type, service, currency, basis, detail, reason, cluster, namespace, pool,
              (cpu_s / 3600)::DECIMAL(38,6), (mem_bs / 3600 / 1073741824)::DECIMAL(38,6), weight, amount, line_items, src
       FROM parts`,
      [id],
    );
    await store.run(
      `INSERT INTO cluster_stats
       SELECT $1, p.cluster, p.currency, p.cost, p.line_items,
              (k.cpu / 3600)::DECIMAL(38,6), (k.mem / 3600 / 1073741824)::DECIMAL(38,6),
              (ucpu.total / 3600)::DECIMAL(38,6), (umem.total / 3600 / 1073741824)::DECIMAL(38,6),
              (SELECT amount FROM resource_costs r WHERE r.cluster = p.cluster AND r.currency = p.currency AND r.resource = 'cpu'),
              (SELECT amount FROM resource_costs r WHERE r.cluster = p.cluster AND r.currency = p.currency AND r.resource = 'mem'),
              (SELECT sum(amount) FROM ns_split n WHERE n.cluster = p.cluster AND n.currency = p.currency AND n.idle),
              c.idle
       FROM cluster_pools p
       JOIN cfg_clusters c ON c.cluster_id = p.cluster
       LEFT JOIN capacity k USING (cluster)
       LEFT JOIN usage_totals ucpu ON ucpu.cluster = p.cluster AND ucpu.resource = 'cpu'
       LEFT JOIN usage_totals umem ON umem.cluster = p.cluster AND umem.resource = 'mem'`,
      [id],
    );
    await store.run(
      `INSERT INTO namespace_stats
       SELECT $1, u.cluster, u.namespace, p.currency, o.target_kind, coalesce(o.target_id, 'unallocated'),
              (u.cpu_request / 3600)::DECIMAL(38,6), (u.cpu_usage / 3600)::DECIMAL(38,6),
              (u.mem_request / 3600 / 1073741824)::DECIMAL(38,6), (u.mem_usage / 3600 / 1073741824)::DECIMAL(38,6),
              (u.cpu / 3600)::DECIMAL(38,6), (u.mem / 3600 / 1073741824)::DECIMAL(38,6),
              u.samples_with_usage > 0,
              coalesce((SELECT sum(amount) FROM ns_split n WHERE n.cluster = u.cluster AND n.currency = p.currency AND n.namespace = u.namespace AND NOT n.idle), 0),
              coalesce((SELECT sum(amount) FROM idle_split i WHERE i.cluster = u.cluster AND i.currency = p.currency AND i.namespace = u.namespace), 0)
       FROM ns_usage u
       JOIN ns_owner o USING (cluster, namespace)
       JOIN cluster_pools p USING (cluster)`,
      [id],
    );
    // Per-line ownership is large; keep it for the latest run of each period only.
    await store.run(
      `DELETE FROM line_item_owners WHERE run_id IN (SELECT run_id FROM allocation_runs WHERE period = $1 AND run_id <> $2)`,
      [period, id],
    );
    await store.run(
      `INSERT INTO line_item_owners SELECT $1, li_id, target_kind, target_id, basis, detail, reason FROM owners`,
      [id],
    );
    return id;
  });

  const tieout = await tieOut(store, period, { decimals: loaded.config.currency_decimals, now: clock() });
  return { runId, period, costMetric: loaded.config.cost_metric, lineItems, totals, tieout, ...(await summarise(store, runId)) };
}

/**
 * Steps 1–4 for a period in TEMP tables only (rounded_rows, parts, owners and
 * the step tables), with the adjustments of closed periods it books, and the
 * conservation check: a period that does not reconcile is an error. Writes
 * nothing to the store; `attribute` persists what it leaves, a what-if
 * compares it (./whatif.ts).
 */
export async function computeAttribution(store: Store, cfg: Config, period: string): Promise<{ lineItems: number; totals: CurrencyTotal[] }> {
  await computeAdjustments(store, period);
  await runSteps(store, cfg, period);
  await store.run(sql('round'));

  const lineItems = Number((await store.one<{ n: string }>('SELECT count(*) AS n FROM items'))!.n);
  if (lineItems === 0) {
    throw new AllotError(`no line items for period ${period}: import billing data first (allot ingest focus FILE)`);
  }
  const totals = await store.all<CurrencyTotal>(
    `SELECT currency, bill_exact::VARCHAR AS bill_exact, bill_rounded::VARCHAR AS bill_rounded, adjustments::VARCHAR AS adjustments,
            allocated_exact::VARCHAR AS allocated_exact, allocated_rounded::VARCHAR AS allocated_rounded,
            line_items::VARCHAR AS line_items, ok
     FROM reconciliation ORDER BY currency`,
  );
  const bad = totals.filter((t) => !t.ok);
  if (bad.length > 0) {
    const t = bad[0]!;
    throw new ReconciliationError(
      `period ${period} does not reconcile in ${t.currency}: stored line items ${t.bill_exact} (rounded ${t.bill_rounded}) but allocated ` +
        `${t.allocated_exact} (rounded ${t.allocated_rounded}); nothing was written`,
    );
  }
  return { lineItems, totals };
}

/** Loads a config and runs Steps 1–3 for a period, leaving exact_rows (and the step tables) behind. */
async function runSteps(store: Store, cfg: Config, period: string): Promise<void> {
  await loadConfigTables(store, cfg, period);
  for (const step of STEPS) await store.run(sql(step));
}

/**
 * Fills pending_adjustments for `period`: for each closed period before it
 * whose first open successor is `period`, recompute it from today's data
 * with the config it was closed with, and book the difference here.
 */
async function computeAdjustments(store: Store, period: string): Promise<void> {
  await store.run(`CREATE OR REPLACE TEMP TABLE pending_adjustments (
    team_id VARCHAR, service VARCHAR, currency VARCHAR, amount DECIMAL(38,12), line_items BIGINT, corrects_period VARCHAR)`);
  const closed = await store.all<{ period: string; run_id: number; config_snapshot: string }>(
    `SELECT c.period, c.run_id, r.config_snapshot::VARCHAR AS config_snapshot
     FROM period_closes c JOIN allocation_runs r USING (run_id)
     WHERE c.status = 'closed' AND c.period < $1
       -- only where no open period with data lies between: that one books it
       AND NOT EXISTS (
         SELECT 1 FROM (SELECT DISTINCT period FROM line_items WHERE superseded_by IS NULL) x
         WHERE x.period > c.period AND x.period < $1
           AND x.period NOT IN (SELECT period FROM period_closes WHERE status = 'closed'))
     ORDER BY c.period`,
    [period],
  );
  for (const c of closed) {
    await runSteps(store, ConfigSchema.parse(JSON.parse(c.config_snapshot)), c.period);
    await store.run(`CREATE OR REPLACE TEMP TABLE adjustment_params AS SELECT $1::VARCHAR AS period, $2::INTEGER AS closed_run_id`, [c.period, c.run_id]);
    await store.run(sql('adjustments'));
  }
}

/** The per-team table, unallocated reasons and % allocated of a stored run. */
export async function summarise(store: Store, runId: number): Promise<Pick<AttributionResult, 'teams' | 'unallocatedReasons' | 'allocatedPercent'>> {
  const teams = await store.all<AttributionResult['teams'][number]>(
    `SELECT team_id, currency,
            sum(amount)::VARCHAR AS total,
            sum(amount) FILTER (WHERE charge_type = 'direct')::VARCHAR AS direct,
            sum(amount) FILTER (WHERE charge_type = 'kubernetes')::VARCHAR AS kubernetes,
            sum(amount) FILTER (WHERE charge_type = 'idle')::VARCHAR AS idle,
            sum(amount) FILTER (WHERE charge_type = 'shared')::VARCHAR AS shared,
            sum(amount) FILTER (WHERE charge_type = 'unallocated')::VARCHAR AS unallocated
     FROM chargeback_rows WHERE run_id = $1
     GROUP BY team_id, currency ORDER BY team_id = 'unallocated', team_id, currency`,
    [runId],
  );
  const unallocatedReasons = await store.all<AttributionResult['unallocatedReasons'][number]>(
    `SELECT coalesce(reason, detail) AS reason, currency, sum(amount)::DECIMAL(38,2)::VARCHAR AS amount,
            sum(line_items)::VARCHAR AS line_items
     FROM allocation_lineage WHERE run_id = $1 AND target_kind = 'unallocated'
     GROUP BY ALL ORDER BY abs(sum(amount)) DESC, reason LIMIT 10`,
    [runId],
  );
  // Allocated share of the bill's absolute value, so credits do not inflate it.
  const allocatedPercent = await store.all<{ currency: string; percent: string }>(
    `SELECT currency,
            CASE WHEN sum(abs(amount)) = 0 THEN '100.00'
                 ELSE (100 * sum(abs(amount)) FILTER (WHERE team_id <> 'unallocated') / sum(abs(amount)))::DECIMAL(6,2)::VARCHAR END AS percent
     FROM chargeback_rows WHERE run_id = $1 GROUP BY currency ORDER BY currency`,
    [runId],
  );
  return {
    teams: teams.map((t) => ({ ...t, direct: t.direct ?? '0', kubernetes: t.kubernetes ?? '0', idle: t.idle ?? '0', shared: t.shared ?? '0', unallocated: t.unallocated ?? '0' })),
    unallocatedReasons,
    allocatedPercent: allocatedPercent.map((p) => ({ currency: p.currency, percent: p.percent ?? '0.00' })),
  };
}
