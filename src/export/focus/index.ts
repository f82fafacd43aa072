// `allot export focus`: the period's cost as FOCUS 1.3 rows, each charge that
// Allot split replaced by its allocated charges (README "FOCUS export").
import { renameSync, rmSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Store } from '../../store/db.ts';
import { sqlString } from '../../store/db.ts';
import { sqlFolder } from '../../store/sql.ts';
import { requirePeriodRunId } from '../../store/runs.ts';
import { AllotError, PermanentError } from '../../util/errors.ts';
import type { Period } from '../../util/period.ts';

const sql = sqlFolder(new URL('./sql/', import.meta.url));

/**
 * The method ids in AllocatedMethodId, one per way Allot splits a charge. Idle
 * that goes to the platform pool (idle policy platform) is split with that
 * pool's shared method.
 */
export const METHOD_IDS = {
  'allot/cluster-usage': "a cluster's cost split among its namespaces by CPU and memory used (max of request and usage), CPU and memory priced by capacity",
  'allot/idle-proportional': "a cluster's idle capacity, split among its namespaces by their usage (idle policy proportional)",
  'allot/idle-unallocated': "a cluster's idle capacity, left unallocated (idle policy unallocated, or no usage to split it by)",
  'allot/cluster-no-usage': 'a cluster pool without usage data in the period: unallocated',
  'allot/shared-proportional': "a shared pool split among teams by their direct, Kubernetes and idle cost",
  'allot/shared-even': 'a shared pool split evenly among the teams that receive shared cost',
  'allot/shared-fixed': 'a shared pool split by configured weights',
  'allot/shared-no-receiver': 'a shared pool no team receives: unallocated',
} as const;

/** The AllocatedTags keys Allot writes (its tag scheme's prefix is `allot/`). */
export const TAG_KEYS = ['allot/team', 'allot/charge-type', 'allot/cluster', 'allot/namespace', 'allot/pool', 'allot/pool-input'] as const;

export type FocusFormat = 'parquet' | 'csv';

export interface FocusExport {
  period: Period;
  run_id: number;
  cost_metric: string;
  format: FocusFormat;
  file: string;
  rows: number;
  split_rows: number;
  origin_charges: number;
  split_charges: number;
  line_items: number;
}

export function focusFormat(file: string): FocusFormat {
  if (/\.parquet$/i.test(file)) return 'parquet';
  if (/\.csv$/i.test(file)) return 'csv';
  throw new AllotError(`--out ${file}: the file name must end in .parquet or .csv (that decides the format)`);
}

/**
 * Splits the period's charges in TEMP tables (sql/split.sql) from its run, and
 * checks each split group against the run's lineage. Writes nothing.
 */
async function buildSplit(store: Store, period: Period): Promise<{ runId: number; costMetric: string }> {
  const runId = await requirePeriodRunId(store, period);
  if (!(await store.one(sql('owners'), [runId]))) {
    throw new AllotError(`run #${runId} of ${period} no longer has its line items' owners (only a period's latest run keeps them); run "allot attribute --period ${period}" again`);
  }
  const run = (await store.one<{ cost_metric: string }>('SELECT cost_metric FROM allocation_runs WHERE run_id = $1', [runId]))!;
  await store.run('CREATE OR REPLACE TEMP TABLE focus_params AS SELECT $1::INTEGER AS run_id, $2::VARCHAR AS cost_metric', [runId, run.cost_metric]);
  await store.run(sql('split'));
  const off = await store.all<{ what: string; currency: string; charges: string; lineage: string }>(sql('check-groups'));
  if (off.length > 0) {
    const o = off[0]!;
    throw new PermanentError(
      `the lineage of run #${runId} does not add up for ${o.what} (${o.currency}): its charges are ${o.charges}, its lineage gives away ${o.lineage}; nothing was written`,
    );
  }
  return { runId, costMetric: run.cost_metric };
}

/**
 * Prepares the period's FOCUS rows (sql/split.sql and sql/rows.sql: TEMP
 * tables and variables; the rows themselves are the query sql/file.sql) from
 * its run, and checks them against the run's chargeback rows. Writes nothing.
 */
export async function buildFocusRows(store: Store, period: Period): Promise<{ runId: number; costMetric: string }> {
  const { runId, costMetric } = await buildSplit(store, period);
  await store.run(sql('rows'));
  const bad = await store.all<{ x_team: string; x_charge_type: string; x_service: string; currency: string; in_file: string | null; in_chargeback: string | null }>(sql('check'));
  if (bad.length > 0) {
    const b = bad[0]!;
    throw new PermanentError(
      `the FOCUS rows of run #${runId} do not add up to its chargeback rows: ${b.x_team} / ${b.x_charge_type} / ${b.x_service} (${b.currency}) ` +
        `is ${b.in_file ?? 'absent'} in the export but ${b.in_chargeback ?? 'absent'} in the chargeback rows; nothing was written`,
    );
  }
  return { runId, costMetric };
}

// CSV has no types: instants are written as FOCUS's ISO 8601 UTC text.
const csvSelect = (rows: string) => `SELECT * REPLACE (
  strftime(BillingPeriodStart AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%SZ') AS BillingPeriodStart,
  strftime(BillingPeriodEnd AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%SZ') AS BillingPeriodEnd,
  strftime(ChargePeriodStart AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%SZ') AS ChargePeriodStart,
  strftime(ChargePeriodEnd AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%SZ') AS ChargePeriodEnd)
FROM (${rows})`;

/** Writes the period's FOCUS export to `file` (Parquet or CSV by its extension), all or nothing. */
export async function exportFocus(store: Store, period: Period, file: string): Promise<FocusExport> {
  const format = focusFormat(file);
  const { runId, costMetric } = await buildFocusRows(store, period);
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  // The rows stream out of focus_charges in its order, each charge expanded
  // into its rows. DuckDB keeps a query's order across threads by holding the
  // output of each input row group (122,880 charges, each split one into
  // hundreds of rows: gigabytes) until the ones before it are written. One
  // thread keeps the order by itself and writes as it goes.
  const before = (await store.one<{ threads: string; order: string }>(
    "SELECT current_setting('threads')::VARCHAR AS threads, current_setting('preserve_insertion_order')::VARCHAR AS order"))!;
  try {
    const options = format === 'parquet' ? '(FORMAT parquet, COMPRESSION zstd)' : '(FORMAT csv, HEADER true)';
    await store.run('SET threads = 1; SET preserve_insertion_order = false');
    await store.run(`COPY (${format === 'parquet' ? sql('file') : csvSelect(sql('file'))}) TO ${sqlString(tmp)} ${options}`);
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  } finally {
    await store.run(`SET threads = ${Number(before.threads)}; SET preserve_insertion_order = ${before.order === 'true'}`);
  }
  const s = (await store.one<Record<string, string>>(sql('summary')))!;
  return {
    period, run_id: runId, cost_metric: costMetric, format, file,
    rows: Number(s.rows), split_rows: Number(s.split_rows), origin_charges: Number(s.origin_charges),
    split_charges: Number(s.split_charges), line_items: Number(s.line_items),
  };
}

/** One day of a team's cost in a run, exact (12 decimals). */
export interface DailyCost {
  day: string;
  team_id: string;
  charge_type: string;
  service: string;
  sub_account_id: string | null;
  currency: string;
  amount: string;
}

/**
 * The period's cost per day, team, charge type, service and sub-account, from
 * its FOCUS rows: split charges counted on their own charge day, so a team's
 * days add up exactly to its chargeback rows' exact amounts.
 */
export async function focusDaily(store: Store, period: Period): Promise<{ runId: number; rows: DailyCost[] }> {
  const { runId } = await buildSplit(store, period);
  return { runId, rows: await store.all<DailyCost>(sql('daily')) };
}
