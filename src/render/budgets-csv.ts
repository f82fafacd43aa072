import { stringify } from 'csv-stringify/sync';
import type { BudgetRow } from '../model/budgets/export.ts';
import { formulaSafe } from '../util/decimal.ts';

export const BUDGETS_HEADER = ['period', 'team_id', 'team_name', 'cost_center', 'gl_account', 'currency', 'budget', 'actual', 'variance', 'budget_source'] as const;

/** RFC 4180 like the chargeback CSV: UTF-8, CRLF, header row, formula-safe cells. */
export function renderBudgetsCsv(rows: BudgetRow[]): string {
  return stringify(
    rows.map((r) => BUDGETS_HEADER.map((k) => formulaSafe(r[k]))),
    { header: true, columns: [...BUDGETS_HEADER], record_delimiter: '\r\n', quoted_match: /[\r\n]/ },
  );
}
