// `allot export budgets`: budget against actual per team, a CSV for finance
// with a manifest beside it like the chargeback's (what it was made from,
// its totals and its hash). The chargeback CSV itself is not touched.
import { createHash } from 'node:crypto';
import type { Config } from '../config/schema.ts';
import { budgetRows } from '../model/budgets/export.ts';
import { renderBudgetsCsv } from '../render/budgets-csv.ts';
import type { Store } from '../store/db.ts';
import { sumDecimals } from '../util/decimal.ts';
import { writeAtomically } from '../util/files.ts';
import type { Period } from '../util/period.ts';
import { closeRecord } from './close.ts';
import { manifestPath } from './files.ts';

export interface BudgetsManifest {
  period: string;
  run_id: number;
  rows: number;
  /** Per currency: the budgets and the actuals in the file (actuals: the teams' rows of the chargeback CSV). */
  control_totals: { currency: string; budget: string; actual: string }[];
  sha256: string;
  closed: boolean;
  closed_at: string | null;
}

export async function buildBudgetsExport(store: Store, config: Config, period: Period): Promise<{ csv: string; manifest: BudgetsManifest }> {
  const data = await budgetRows(store, config, period);
  const csv = renderBudgetsCsv(data.rows);
  const close = await closeRecord(store, period);
  const currencies = [...new Set(data.rows.map((r) => r.currency))].sort();
  const decimals = (c: string) => Math.max(0, ...data.rows.filter((r) => r.currency === c).map((r) => (r.actual.split('.')[1] ?? '').length));
  return {
    csv,
    manifest: {
      period,
      run_id: data.run_id,
      rows: data.rows.length,
      control_totals: currencies.map((c) => ({
        currency: c,
        budget: sumDecimals(data.rows.filter((r) => r.currency === c && r.budget !== '').map((r) => r.budget), decimals(c)),
        actual: sumDecimals(data.rows.filter((r) => r.currency === c).map((r) => r.actual), decimals(c)),
      })),
      sha256: createHash('sha256').update(csv).digest('hex'),
      closed: close?.status === 'closed',
      closed_at: close?.status === 'closed' ? (close.closed_at ?? null) : null,
    },
  };
}

/** Writes the CSV and `<name>.manifest.json` next to it, each atomically. */
export function writeBudgetsFiles(exp: { csv: string; manifest: BudgetsManifest }, csvFile: string): { csv: string; manifest: string } {
  writeAtomically(csvFile, exp.csv);
  writeAtomically(manifestPath(csvFile), `${JSON.stringify(exp.manifest, null, 2)}\n`);
  return { csv: csvFile, manifest: manifestPath(csvFile) };
}
