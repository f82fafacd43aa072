import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ingestBudgets } from '../../src/ingest/budgets/index.ts';
import { BudgetCurrencyError, teamBudgets } from '../../src/model/budgets/budgets.ts';
import { buildForecasts } from '../../src/model/forecast/build.ts';
import type { Store } from '../../src/store/db.ts';
import { InputError } from '../../src/util/errors.ts';
import { addCharges, attributeAt, config, everyDay, tempStore } from './fixture.ts';

const P = '2026-10';
const loaded = config(`
teams:
  - { id: alpha, name: Alpha, cost_center: CC-A, gl_account: "6100", accounts: ["111"], budget: { amount: 5000, charge_types: { direct: 4000 } } }
  - { id: bravo, name: Bravo, cost_center: CC-B, gl_account: "6200", accounts: ["222"] }
  - { id: gamma, name: Gamma, cost_center: CC-G, gl_account: "6300", accounts: ["333"], budget: { amount: 100, currency: EUR } }
`);

let store: Store;
let dir: string;
beforeEach(async () => {
  store = await tempStore();
  dir = mkdtempSync(join(tmpdir(), 'allot-budgets-'));
  await addCharges(store, P, [...everyDay('111', 1, 5, '10.00'), ...everyDay('222', 1, 5, '20.00'), ...everyDay('333', 1, 5, '1.00')]);
  await attributeAt(store, loaded, P);
});
afterEach(() => store.close());

const file = (name: string, text: string) => {
  const f = join(dir, name);
  writeFileSync(f, text);
  return f;
};
const onFile = async () => (await store.all<{ n: string }>(`SELECT count(*)::VARCHAR AS n FROM budgets`))[0]!.n;

describe('allot ingest budgets', () => {
  it('records months and ranges; the file wins over the config for the months it names', async () => {
    const f = file('budgets.csv', 'team_id,period,currency,amount,charge_type\nalpha,2026-10,USD,1200.50,\nalpha,2026-10,USD,900,direct\nbravo,2026-09..2026-12,USD,300,\n');
    const r = await ingestBudgets(store, loaded.config, f);
    expect([r.rows, r.months, r.replaced]).toEqual([3, 6, 0]);
    const alpha = await teamBudgets(store, loaded.config, 'alpha', ['2026-10', '2026-11']);
    expect(alpha.get('2026-10')).toEqual({ period: '2026-10', amount: '1200.500000000000', currency: 'USD', by_charge_type: { direct: '900.000000000000' }, source: `${f}:2` });
    // November is not in the file: the config's budget
    expect(alpha.get('2026-11')).toEqual({ period: '2026-11', amount: '5000', currency: null, by_charge_type: { direct: '4000' }, source: 'config teams[alpha].budget' });
    expect([...(await teamBudgets(store, loaded.config, 'bravo', ['2026-08', '2026-09', '2026-12', '2027-01'])).keys()]).toEqual(['2026-09', '2026-12']);

    const [a] = await buildForecasts(store, loaded.config, P, { team: 'alpha', asOf: '2026-10-06' });
    expect(a!.forecast.budget).toEqual({ amount: '1200.50', source: `${f}:2` });
    expect(a!.forecast.by_charge_type[0]).toMatchObject({ charge_type: 'direct', budget: '900.00' });
  });

  it('a later file replaces the months it names, and only those', async () => {
    await ingestBudgets(store, loaded.config, file('a.csv', 'team_id,period,currency,amount\nbravo,2026-09..2026-12,USD,300\n'));
    const r = await ingestBudgets(store, loaded.config, file('b.csv', 'team_id,period,currency,amount\nbravo,2026-10,USD,450\n'));
    expect(r.replaced).toBe(1);
    const b = await teamBudgets(store, loaded.config, 'bravo', ['2026-09', '2026-10']);
    expect([b.get('2026-09')!.amount, b.get('2026-10')!.amount]).toEqual(['300.000000000000', '450.000000000000']);
  });

  const bad: [string, string, string][] = [
    ['unknown team', 'alpha,2026-10,USD,10\nzulu,2026-10,USD,10\n', ':3: column team_id: unknown team "zulu" (teams: alpha, bravo, gamma)'],
    ['bad period', 'alpha,2026-13,USD,10\n', ':2: column period: must be YYYY-MM or a range YYYY-MM..YYYY-MM, got "2026-13"'],
    ['backwards range', 'alpha,2026-12..2026-01,USD,10\n', ':2: column period: the range ends (2026-01) before it starts (2026-12)'],
    ['negative amount', 'alpha,2026-10,USD,-10\n', ':2: column amount: not a budget amount (digits and an optional . with decimals; no sign, no thousands separators): "-10"'],
    ['thousands separator', 'alpha,2026-10,USD,"1,000"\n', ':2: column amount: not a budget amount'],
    ['bad currency', 'alpha,2026-10,usd,10\n', ':2: column currency: must be a three-letter ISO 4217 code, got "usd"'],
    ['twice', 'bravo,2026-09..2026-11,USD,10\nbravo,2026-10,USD,20\n', ':3: column period: budget for team bravo in 2026-10 is already on line 2'],
    ['currency mismatch', 'alpha,2026-10,USD,10\nbravo,2026-10,EUR,10\n', ":3: column currency: team bravo's cost is in USD (2026-10), not EUR: a budget is compared with the cost in its own currency"],
  ];
  it.each(bad)('refuses a file with %s, naming the line, and records nothing', async (_what, rows, message) => {
    await ingestBudgets(store, loaded.config, file('ok.csv', 'team_id,period,currency,amount\nalpha,2026-11,USD,1\n'));
    const before = await store.all(`SELECT * FROM budgets ORDER BY ALL`);
    const f = file('bad.csv', `team_id,period,currency,amount\n${rows}`);
    const err = await ingestBudgets(store, loaded.config, f).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toContain(`${f}${message}`);
    expect(await store.all(`SELECT * FROM budgets ORDER BY ALL`)).toEqual(before);
    expect(await onFile()).toBe('1');
  });

  it('refuses a file without the columns it needs', async () => {
    const f = file('cols.csv', 'team,period,amount\nalpha,2026-10,1\n');
    await expect(ingestBudgets(store, loaded.config, f)).rejects.toThrow(`${f}:1: column team: unknown column (expected team_id, period, currency, amount, charge_type)`);
  });

  it('a config budget in another currency than the team\'s cost is an error, not a comparison', async () => {
    await expect(buildForecasts(store, loaded.config, P, { team: 'gamma', asOf: '2026-10-06' })).rejects.toThrow(BudgetCurrencyError);
    await expect(buildForecasts(store, loaded.config, P, { team: 'gamma', asOf: '2026-10-06' })).rejects.toThrow(
      "team gamma's 2026-10 budget (config teams[gamma].budget) is in EUR, but its cost is in USD",
    );
  });
});
