import { createHash } from 'node:crypto';
import type { LoadedConfig } from '../config/load.ts';
import { redactConfig } from '../config/redact.ts';
import { ConfigSchema, type Config } from '../config/schema.ts';
import type { Store } from '../store/db.ts';
import { closedRunId } from '../store/runs.ts';
import { sqlFolder } from '../store/sql.ts';
import { AllotError, PermanentError } from '../util/errors.ts';
import { loadConfigTables } from './config-tables.ts';
import { loadInputs, type Inputs } from './inputs.ts';
import { tieOut, type TieOut } from './tieout.ts';

/** The contract's Steps 1–3, in order, after the inputs (./inputs.ts); each file reads the tables the previous wrote. */
const STEPS = ['classify', 'clusters', 'shared', 'rows'] as const;

const sql = sqlFolder(new URL('./sql/', import.meta.url));

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
  /** The line items as Step 1 reads them: distinct classes, and whether the sums were kept from an earlier run of the same rows. */
  inputs: Inputs;
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
  const closed = await closedRunId(store, period);
  if (closed !== undefined) {
    throw new AllotError(
      `period ${period} is closed (run #${closed}); late data for it is booked as adjustments in the next open period. ` +
        `To change it anyway: allot reopen --period ${period} --reason "..."`,
    );
  }
  const { lineItems, totals, inputs: kept } = await computeAttribution(store, loaded.config, period);
  const inputs = await store.one<{ fp: string }>(sql('inputs-fingerprint'));
  const inputsSha = createHash('sha256').update(inputs?.fp ?? '').digest('hex');

  const runId = await store.transaction(async () => {
    const id = (await store.one<{ id: number }>(sql('run-id')))!.id;
    await store.run(sql('persist-params'), [
      id, period, loaded.config.cost_metric, loaded.sha256, JSON.stringify(redactConfig(loaded.config)), inputsSha, lineItems,
      startedAt.toISOString(), clock().toISOString(),
    ]);
    await store.run(sql('persist'));
    return id;
  });

  const tieout = await tieOut(store, period, { decimals: loaded.config.currency_decimals, now: clock() });
  return { runId, period, costMetric: loaded.config.cost_metric, lineItems, inputs: kept, totals, tieout, ...(await summarise(store, runId)) };
}

/**
 * Steps 1–4 for a period in TEMP tables only (rounded_rows, parts, owners and
 * the step tables), with the adjustments of closed periods it books, and the
 * conservation check: a period that does not reconcile is an error. Writes
 * nothing to the store; `attribute` persists what it leaves, a what-if
 * compares it (./whatif.ts).
 */
export async function computeAttribution(store: Store, cfg: Config, period: string): Promise<{ lineItems: number; inputs: Inputs; totals: CurrencyTotal[] }> {
  await computeAdjustments(store, period);
  const inputs = await runSteps(store, cfg, period);
  await store.run(sql('round'));

  const lineItems = Number((await store.one<{ n: string }>(sql('line-items')))!.n);
  if (lineItems === 0) {
    throw new AllotError(`no line items for period ${period}: import billing data first (allot ingest focus FILE)`);
  }
  const totals = await store.all<CurrencyTotal>(sql('conservation'));
  const bad = totals.filter((t) => !t.ok);
  if (bad.length > 0) {
    const t = bad[0]!;
    throw new ReconciliationError(
      `period ${period} does not reconcile in ${t.currency}: stored line items ${t.bill_exact} (rounded ${t.bill_rounded}) but allocated ` +
        `${t.allocated_exact} (rounded ${t.allocated_rounded}); nothing was written`,
    );
  }
  return { lineItems, inputs, totals };
}

/** Loads a config and the period's inputs and runs Steps 1–3, leaving exact_rows (and the step tables) behind. */
async function runSteps(store: Store, cfg: Config, period: string): Promise<Inputs> {
  await loadConfigTables(store, cfg, period);
  await store.run(sql('split'));
  const inputs = await loadInputs(store);
  for (const step of STEPS) await store.run(sql(step));
  return inputs;
}

/**
 * Fills pending_adjustments for `period`: for each closed period before it
 * whose first open successor is `period`, recompute it from today's data
 * with the config it was closed with, and book the difference here.
 */
async function computeAdjustments(store: Store, period: string): Promise<void> {
  await store.run(sql('adjustments-pending'));
  const closed = await store.all<{ period: string; run_id: number; config_snapshot: string }>(sql('closed-to-adjust'), [period]);
  for (const c of closed) {
    await runSteps(store, ConfigSchema.parse(JSON.parse(c.config_snapshot)), c.period);
    await store.run(sql('adjustment-params'), [c.period, c.run_id]);
    await store.run(sql('adjustments'));
  }
}

/** The per-team table, unallocated reasons and % allocated of a stored run. */
export async function summarise(store: Store, runId: number): Promise<Pick<AttributionResult, 'teams' | 'unallocatedReasons' | 'allocatedPercent'>> {
  const teams = await store.all<AttributionResult['teams'][number]>(sql('summary-teams'), [runId]);
  const unallocatedReasons = await store.all<AttributionResult['unallocatedReasons'][number]>(sql('summary-unallocated'), [runId]);
  const allocatedPercent = await store.all<{ currency: string; percent: string }>(sql('summary-allocated'), [runId]);
  return {
    teams: teams.map((t) => ({ ...t, direct: t.direct ?? '0', kubernetes: t.kubernetes ?? '0', idle: t.idle ?? '0', shared: t.shared ?? '0', unallocated: t.unallocated ?? '0' })),
    unallocatedReasons,
    allocatedPercent: allocatedPercent.map((p) => ({ currency: p.currency, percent: p.percent ?? '0.00' })),
  };
}
