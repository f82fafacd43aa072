// Budget against actual per team for a month, for finance (`allot export budgets`).
import type { Config } from '../../config/schema.ts';
import type { Store } from '../../store/db.ts';
import { requirePeriodRunId } from '../../store/runs.ts';
import { sqlFolder } from '../../store/sql.ts';
import { fixDecimals, roundDecimal, subtractDecimal } from '../../util/decimal.ts';
import type { Period } from '../../util/period.ts';
import { checkBudgetCurrency, teamBudgets } from './budgets.ts';

const sql = sqlFolder(new URL('./sql/', import.meta.url));

export interface BudgetRow {
  period: string;
  team_id: string;
  team_name: string;
  cost_center: string;
  gl_account: string;
  currency: string;
  /** '' when the team has no budget for the month (or this is not its budget's currency). */
  budget: string;
  /** The sum of the team's rows in the chargeback CSV for the currency. */
  actual: string;
  /** actual − budget (positive: over budget); '' without a budget. */
  variance: string;
  budget_source: string;
}

export interface BudgetExportData {
  period: string;
  run_id: number;
  rows: BudgetRow[];
}

export async function budgetRows(store: Store, config: Config, period: Period): Promise<BudgetExportData> {
  const runId = await requirePeriodRunId(store, period);
  const actuals = await store.all<{ team_id: string; team_name: string; cost_center: string; gl_account: string; currency: string; decimals: number; actual: string }>(
    sql('actuals'),
    [runId],
  );
  const rows: BudgetRow[] = [];
  for (const team of config.teams) {
    const mine = actuals.filter((a) => a.team_id === team.id);
    const budget = (await teamBudgets(store, config, team.id, [period])).get(period);
    // The team's reporting currency: its largest cost, else its budget's, else the run's first.
    const currency = mine[0]?.currency ?? budget?.currency ?? actuals[0]?.currency ?? 'USD';
    if (budget) checkBudgetCurrency(team.id, budget, currency);
    const decimals = mine[0]?.decimals ?? actuals[0]?.decimals ?? config.currency_decimals;
    const list = mine.length ? mine : [{ team_id: team.id, team_name: team.name, cost_center: team.cost_center, gl_account: team.gl_account, currency, decimals, actual: '0' }];
    for (const a of list) {
      const b = budget && a.currency === currency ? roundDecimal(budget.amount, a.decimals) : '';
      const actual = fixDecimals(roundDecimal(a.actual, a.decimals), a.decimals);
      rows.push({
        period, team_id: team.id, team_name: a.team_name, cost_center: a.cost_center, gl_account: a.gl_account, currency: a.currency,
        budget: b, actual, variance: b === '' ? '' : subtractDecimal(actual, b, a.decimals), budget_source: b === '' ? '' : budget!.source,
      });
    }
  }
  return { period, run_id: runId, rows };
}
