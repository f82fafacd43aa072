// A team's budget for a month: finance's file (`allot ingest budgets`) for the
// months it names, else the configuration's `budget:`. In the team's
// reporting currency; a budget in another currency is an error, never a
// comparison of two currencies.
import type { Config, Team } from '../../config/schema.ts';
import type { Store } from '../../store/db.ts';
import { sqlFolder } from '../../store/sql.ts';
import { sumDecimals } from '../../util/decimal.ts';
import { AllotError } from '../../util/errors.ts';
import { groupBy } from '../../util/group.ts';
import type { Period } from '../../util/period.ts';

const sql = sqlFolder(new URL('./sql/', import.meta.url));

export interface TeamBudget {
  period: Period;
  /** The whole month's budget (exact decimal text). */
  amount: string;
  currency: string | null;
  /** Budgets per charge type, where set. */
  by_charge_type: Partial<Record<string, string>>;
  /** Where it comes from: "budgets.csv:4" or "config teams[payments].budget". */
  source: string;
}

/** A budget in another currency than the team's cost. */
export class BudgetCurrencyError extends AllotError {
  override readonly retryable = false;
}

/** The team's budget for each month asked (a month without one is absent). */
export async function teamBudgets(store: Store, config: Config, teamId: string, periods: readonly Period[]): Promise<Map<Period, TeamBudget>> {
  return (await teamsBudgets(store, config, [teamId], periods)).get(teamId)!;
}

/** teamBudgets of several teams, read with one query: by team id, each team asked present. */
export async function teamsBudgets(
  store: Store,
  config: Config,
  teamIds: readonly string[],
  periods: readonly Period[],
): Promise<Map<string, Map<Period, TeamBudget>>> {
  const rows = await store.all<FileBudget & { team_id: string }>(
    sql('file-budgets'),
    [JSON.stringify(teamIds), JSON.stringify(periods)],
  );
  const filed = groupBy(rows, (r) => r.team_id);
  return new Map(teamIds.map((id) => [id, budgetsOf(config.teams.find((t) => t.id === id), filed.get(id) ?? [], periods)]));
}

type FileBudget = { period: string; charge_type: string; currency: string; amount: string; file: string; line: number };

function budgetsOf(team: Team | undefined, rows: FileBudget[], periods: readonly Period[]): Map<Period, TeamBudget> {
  const out = new Map<Period, TeamBudget>();
  for (const p of periods) {
    const mine = rows.filter((r) => r.period === p);
    if (mine.length) {
      const whole = mine.find((r) => r.charge_type === '');
      const parts = mine.filter((r) => r.charge_type !== '');
      const first = whole ?? mine[0]!;
      out.set(p, {
        period: p,
        amount: whole ? whole.amount : sumDecimals(parts.map((r) => r.amount), 12),
        currency: first.currency,
        by_charge_type: Object.fromEntries(parts.map((r) => [r.charge_type, r.amount])),
        source: `${first.file}:${first.line}`,
      });
    } else if (team?.budget !== undefined) {
      out.set(p, configBudget(team, p));
    }
  }
  return out;
}

function configBudget(team: Team, period: Period): TeamBudget {
  const b = team.budget!;
  const source = `config teams[${team.id}].budget`;
  if (typeof b === 'string') return { period, amount: b, currency: null, by_charge_type: {}, source };
  const parts = Object.fromEntries(Object.entries(b.charge_types ?? {}).filter(([, v]) => v !== undefined)) as Record<string, string>;
  return { period, amount: b.amount ?? sumDecimals(Object.values(parts), 12), currency: b.currency ?? null, by_charge_type: parts, source };
}

/** Throws BudgetCurrencyError unless the budget is in `currency` (a config budget without a currency is in the team's). */
export function checkBudgetCurrency(teamId: string, budget: TeamBudget, currency: string): void {
  if (budget.currency !== null && budget.currency !== currency) {
    throw new BudgetCurrencyError(
      `team ${teamId}'s ${budget.period} budget (${budget.source}) is in ${budget.currency}, but its cost is in ${currency}: ` +
        `give the budget in ${currency}; Allot does not compare amounts in two currencies`,
    );
  }
}
