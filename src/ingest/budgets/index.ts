import type { Config } from '../../config/schema.ts';
import type { Store } from '../../store/db.ts';
import { sqlFolder } from '../../store/sql.ts';
import { InputError } from '../../util/errors.ts';
import { readCsvRecords } from '../csv-file.ts';
import { addMonths, isPeriod, type Period } from '../../util/period.ts';

/*
 * `allot ingest budgets FILE`: finance's monthly budgets per team. CSV with a header:
 *
 *   team_id,period,currency,amount[,charge_type]
 *
 * `period` is a month (2026-10) or an inclusive range (2026-01..2026-12): the
 * amount is the budget of each month in it. Without charge_type (or empty)
 * the row is the team's whole budget; with one (direct, kubernetes, idle,
 * shared), that charge type's. The currency must be the team's reporting
 * currency (the one its cost is in). For every (team, month) the file
 * names, its rows replace whatever was on file (kept, marked replaced) and
 * the configuration's `budget:`. All or nothing: a bad row is
 * `FILE:LINE: column X: why` and nothing is recorded.
 */

const sql = sqlFolder(new URL('./sql/', import.meta.url));
const REQUIRED = ['team_id', 'period', 'currency', 'amount'] as const;
const OPTIONAL = ['charge_type'] as const;
const CHARGE_TYPES = ['direct', 'kubernetes', 'idle', 'shared'];
/** A range longer than this is almost certainly a typo (2026-01..2062-01). */
const MAX_RANGE_MONTHS = 120;

export interface BudgetRow {
  line: number;
  team_id: string;
  period: Period;
  /** '' for the whole team. */
  charge_type: string;
  currency: string;
  amount: string;
}

export interface BudgetsResult {
  file: string;
  /** Rows of the file; months recorded (a range counts each month). */
  rows: number;
  months: number;
  /** Earlier budget rows these replaced. */
  replaced: number;
  budgets: { team_id: string; period: string; charge_type: string; currency: string; amount: string }[];
}

/** Reads and checks the file against the configured teams; nothing is written. */
export function readBudgets(file: string, config: Config): BudgetRow[] {
  const records = readCsvRecords(file);
  const header = records[0]!.record.map((h) => h.trim().toLowerCase());
  const known = [...REQUIRED, ...OPTIONAL] as string[];
  for (const [i, h] of header.entries()) {
    if (!known.includes(h)) throw new InputError(file, 1, h, `unknown column (expected ${known.join(', ')})`);
    if (header.indexOf(h) !== i) throw new InputError(file, 1, h, 'appears twice');
  }
  const missing = REQUIRED.filter((r) => !header.includes(r));
  if (missing.length) throw new InputError(file, 1, undefined, `missing column${missing.length === 1 ? '' : 's'} ${missing.join(', ')}`);

  const teams = new Set(config.teams.map((t) => t.id));
  const rows: BudgetRow[] = [];
  const seen = new Map<string, number>();
  for (const { record, info } of records.slice(1)) {
    const line = info.lines;
    if (record.length !== header.length) throw new InputError(file, line, undefined, `has ${record.length} fields, the header ${header.length}`);
    const get = (c: string): string => (header.includes(c) ? (record[header.indexOf(c)] ?? '').trim() : '');
    const team = get('team_id');
    if (!team) throw new InputError(file, line, 'team_id', 'missing value');
    if (!teams.has(team)) throw new InputError(file, line, 'team_id', `unknown team "${team}" (teams: ${[...teams].join(', ')})`);
    const periods = periodsOf(get('period'));
    if (typeof periods === 'string') throw new InputError(file, line, 'period', periods);
    const currency = get('currency');
    if (!/^[A-Z]{3}$/.test(currency)) throw new InputError(file, line, 'currency', `must be a three-letter ISO 4217 code, got ${JSON.stringify(currency)}`);
    const amount = get('amount');
    if (!/^\d{1,24}(\.\d{1,12})?$/.test(amount)) {
      throw new InputError(file, line, 'amount', `not a budget amount (digits and an optional . with decimals; no sign, no thousands separators): ${JSON.stringify(amount)}`);
    }
    const chargeType = get('charge_type');
    if (chargeType && !CHARGE_TYPES.includes(chargeType)) {
      throw new InputError(file, line, 'charge_type', `must be empty (the whole team) or one of ${CHARGE_TYPES.join(', ')}, got ${JSON.stringify(chargeType)}`);
    }
    for (const period of periods) {
      const key = `${team}\u0000${period}\u0000${chargeType}`;
      if (seen.has(key)) {
        throw new InputError(file, line, 'period', `budget for team ${team}${chargeType ? ` (${chargeType})` : ''} in ${period} is already on line ${seen.get(key)}`);
      }
      seen.set(key, line);
      rows.push({ line, team_id: team, period, charge_type: chargeType, currency, amount });
    }
  }
  if (!rows.length) throw new InputError(file, undefined, undefined, 'no budget rows');
  // One team's budgets for one month are in one currency.
  const currencyOf = new Map<string, BudgetRow>();
  for (const r of rows) {
    const k = `${r.team_id}\u0000${r.period}`;
    const first = currencyOf.get(k);
    if (first && first.currency !== r.currency) {
      throw new InputError(file, r.line, 'currency', `${r.currency}, but line ${first.line} gives team ${r.team_id}'s ${r.period} budget in ${first.currency}`);
    }
    currencyOf.set(k, first ?? r);
  }
  return rows;
}

/** `2026-10` → [2026-10]; `2026-01..2026-03` → three months; else the reason it is not a period. */
function periodsOf(text: string): Period[] | string {
  const m = /^(\d{4}-\d{2})(?:\.\.(\d{4}-\d{2}))?$/.exec(text);
  if (!m || !isPeriod(m[1]!) || (m[2] !== undefined && !isPeriod(m[2]))) {
    return `must be YYYY-MM or a range YYYY-MM..YYYY-MM, got ${JSON.stringify(text)}`;
  }
  const from = m[1]!;
  const to = m[2] ?? from;
  if (to < from) return `the range ends (${to}) before it starts (${from})`;
  const out: Period[] = [];
  for (let p = from; p <= to; p = addMonths(p, 1)) {
    out.push(p);
    if (out.length > MAX_RANGE_MONTHS) return `a range of more than ${MAX_RANGE_MONTHS} months`;
  }
  return out;
}

/**
 * Records the file's budgets. A budget in another currency than the team's
 * cost (as attributed for that month, else most recently) is refused with the
 * line: comparing the two would be meaningless.
 */
export async function ingestBudgets(store: Store, config: Config, file: string, now: Date = new Date()): Promise<BudgetsResult> {
  const rows = readBudgets(file, config);
  for (const r of rows) {
    const c = await store.one<{ currency: string; period: string }>(sql('team-currency'), [r.team_id, r.period]);
    if (c && c.currency !== r.currency) {
      throw new InputError(
        file, r.line, 'currency',
        `team ${r.team_id}'s cost is in ${c.currency} (${c.period === r.period ? r.period : `as attributed for ${c.period}`}), not ${r.currency}: a budget is compared with the cost in its own currency`,
      );
    }
  }
  const at = now.toISOString();
  return store.transaction(async () => {
    const pairs = JSON.stringify([...new Set(rows.map((r) => `${r.team_id}\u0000${r.period}`))]);
    const replaced = (await store.all(sql('replace'), [pairs, at])).length;
    await store.run(sql('insert'), [JSON.stringify(rows), file, at]);
    return {
      file,
      rows: new Set(rows.map((r) => r.line)).size,
      months: rows.length,
      replaced,
      budgets: rows.map(({ team_id, period, charge_type, currency, amount }) => ({ team_id, period, charge_type, currency, amount })),
    };
  });
}
