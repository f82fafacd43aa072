// The commands as a user runs them: the real binary in a child process.
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.ts';
import { Store } from '../../src/store/db.ts';
import { allot } from '../cli/run.ts';
import { addCharges, attributeAt, everyDay } from './fixture.ts';

const YAML = `
teams:
  - { id: alpha, name: Alpha, cost_center: CC-A, gl_account: "6100", accounts: ["111"], emails: [alpha@example.com], budget: 2000 }
  - { id: bravo, name: Bravo, cost_center: CC-B, gl_account: "6200", accounts: ["222"], emails: [bravo@example.com] }
alerts: { incomplete_days: 2 }
`;
let dir: string;
let args: string[];
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'allot-budgets-cli-'));
  writeFileSync(join(dir, 'allot.yaml'), YAML);
  const store = await Store.open(join(dir, 'allot.duckdb'));
  await addCharges(store, '2026-11', [
    ...everyDay('111', 1, 14, '100.00'),
    { account: '111', day: 1, cost: '250.00', category: 'Purchase', frequency: 'One-Time', service: 'AWS Marketplace' },
    ...everyDay('222', 1, 14, '40.00'),
  ]);
  await attributeAt(store, parseConfig(YAML, join(dir, 'allot.yaml'), {}), '2026-11');
  store.close();
  args = ['--config', join(dir, 'allot.yaml'), '--db', join(dir, 'allot.duckdb')];
});

describe('allot forecast, ingest budgets, alerts', () => {
  it('forecast prints cost to date, forecast, band, budget and the days not final yet', async () => {
    const r = await allot([...args, 'forecast', '--period', '2026-11', '--team', 'alpha', '--as-of', '2026-11-15']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    // to date 14 × 100 + 250 = 1,650; days 13–14 still being billed (at 100, as expected); 16 days to come × 100
    expect(r.stdout).toContain('Alpha (alpha): November 2026, as of 2026-11-15, run #1, in USD');
    expect(r.stdout).toContain('  Budget:        $2,000.00 (config teams[alpha].budget)');
    expect(r.stdout).toContain('  Cost to date:  $1,650.00 (82.5% of budget)');
    expect(r.stdout).toContain('  Forecast:      $3,250.00 (162.5% of budget), likely between $3,250.00 and $3,250.00; 16 days to come');
    expect(r.stdout).toContain('  Variance:      forecast $1,250.00 over the budget');
    expect(r.stdout).toContain('  Not final yet: 2026-11-13, 2026-11-14 (the last days, vendors still bill them); projected, not read as zero');
    expect(r.stdout).toMatch(/direct\s+\$1,650\.00\s+\$250\.00\s+\$3,250\.00/);

    const j = await allot([...args, '--json', 'forecast', '--period', '2026-11', '--as-of', '2026-11-15']);
    const parsed = JSON.parse(j.stdout) as { team: { id: string }; mtd: string; forecast: string; budget: unknown }[];
    expect(parsed.map((f) => [f.team.id, f.mtd, f.forecast, f.budget])).toEqual([
      ['alpha', '1650.00', '3250.00', { amount: '2000.00', source: 'config teams[alpha].budget' }],
      ['bravo', '560.00', '1200.00', null],
    ]);
  });

  it('ingest budgets: a bad file is refused with its line (exit 1) and changes nothing; a good one wins over the config', async () => {
    writeFileSync(join(dir, 'bad.csv'), 'team_id,period,currency,amount\nbravo,2026-11,USD,900\nalpha,2026-11,USD,12.345.6\n');
    const bad = await allot([...args, 'ingest', 'budgets', join(dir, 'bad.csv')]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(`${join(dir, 'bad.csv')}:3: column amount: not a budget amount`);
    const still = JSON.parse((await allot([...args, '--json', 'forecast', '--period', '2026-11', '--team', 'bravo', '--as-of', '2026-11-15'])).stdout) as { budget: unknown }[];
    expect(still[0]!.budget).toBeNull();

    writeFileSync(join(dir, 'good.csv'), 'team_id,period,currency,amount\nbravo,2026-11..2026-12,USD,1000\n');
    const good = await allot([...args, 'ingest', 'budgets', join(dir, 'good.csv')]);
    expect(good.code).toBe(0);
    expect(good.stdout).toContain('1 budget row recorded (2 team-months)');
    const now = await allot([...args, 'forecast', '--period', '2026-11', '--team', 'bravo', '--as-of', '2026-11-15']);
    expect(now.stdout).toContain(`  Budget:        $1,000.00 (${join(dir, 'good.csv')}:2)`);
    expect(now.stdout).toContain('  Forecast:      $1,200.00 (120.0% of budget)');
  });

  it('alerts --dry-run writes each alert as an .eml and sends nothing', async () => {
    const out = join(dir, 'alerts');
    const r = await allot([...args, 'alerts', '--period', '2026-11', '--as-of', '2026-11-15', '--dry-run', '--out', out]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^2026-11 \(run #1, as of 2026-11-15\): \d+ alerts; dry run: \d+ written, 0 skipped; nothing sent, send log unchanged\.$/m);
    const files = readdirSync(out).sort();
    expect(files).toContain('alpha.forecast-80.eml');
    expect(files).toContain('alpha.forecast-100.eml');
    const mail = await simpleParser(readFileSync(join(out, 'alpha.forecast-100.eml')));
    expect(mail.subject).toBe('[Allot] Alpha: November 2026 forecast $3,250.00 is 162.5% of budget (100% threshold)');
    expect(mail.text).toContain('allot explain --period 2026-11 --team alpha');

    const log = await allot([...args, 'alerts', '--period', '2026-11', '--log']);
    expect(log.stdout).toBe('No alert was sent for 2026-11.\n');

    const usage = await allot([...args, 'alerts', '--period', '2026-11', '--dry-run']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('--dry-run needs --out DIR');
  });
});
