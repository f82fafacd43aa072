// The budget block of the monthly team report: this month's budget against
// the actual, and the six months of the report's trend side by side.
import { roundDecimal, subtractDecimal } from '../../util/decimal.ts';
import type { Period } from '../../util/period.ts';
import { checkBudgetCurrency, type TeamBudget } from './budgets.ts';

export interface BudgetMonth {
  period: string;
  /** null: no budget that month. */
  budget: string | null;
  /** null: no run that month. */
  actual: string | null;
  /** actual − budget (positive: over); null without both. */
  variance: string | null;
}

export interface BudgetLine {
  currency: string;
  /** This month's budget, and where it comes from; null if only earlier months have one. */
  budget: string | null;
  source: string | null;
  actual: string;
  variance: string | null;
  /** The six months of the report's trend, oldest first. */
  trend: BudgetMonth[];
}

/**
 * From the team's budgets (teamsBudgets) of `period` and the trend's months:
 * null when it has none in any of them. A budget in another currency is an error.
 */
export function budgetLine(
  budgets: ReadonlyMap<Period, TeamBudget>,
  teamId: string,
  period: Period,
  money: { currency: string; decimals: number; total: string },
  trend: readonly { period: string; amount: string | null }[],
): BudgetLine | null {
  if (budgets.size === 0) return null;
  for (const b of budgets.values()) checkBudgetCurrency(teamId, b, money.currency);
  const r = (x: string) => roundDecimal(x, money.decimals);
  const variance = (actual: string | null, budget: string | null) => (actual === null || budget === null ? null : subtractDecimal(actual, budget, money.decimals));
  const mine = budgets.get(period);
  return {
    currency: money.currency,
    budget: mine ? r(mine.amount) : null,
    source: mine?.source ?? null,
    actual: money.total,
    variance: variance(money.total, mine ? r(mine.amount) : null),
    trend: trend.map((t) => {
      const b = budgets.get(t.period);
      const budget = b ? r(b.amount) : null;
      return { period: t.period, budget, actual: t.amount, variance: variance(t.amount, budget) };
    }),
  };
}
