import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestBudgets } from '../../src/ingest/budgets/index.ts';
import { buildTeamReport } from '../../src/model/team/build.ts';
import { renderTeamReport } from '../../src/render/team/render.ts';
import type { Store } from '../../src/store/db.ts';
import { addCharges, attributeAt, config, everyDay, tempStore } from './fixture.ts';

const loaded = config(`
teams:
  - { id: alpha, name: Alpha, cost_center: CC-A, gl_account: "6100", accounts: ["111"], budget: 3000 }
  - { id: bravo, name: Bravo, cost_center: CC-B, gl_account: "6200", accounts: ["222"] }
`);
let store: Store;
let file: string;
beforeAll(async () => {
  store = await tempStore();
  // September 100 a day (30 days: 3,000); October 110 a day (31 days: 3,410)
  await addCharges(store, '2026-09', everyDay('111', 1, 30, '100.00'));
  await addCharges(store, '2026-10', [...everyDay('111', 1, 31, '110.00'), ...everyDay('222', 1, 31, '5.00')]);
  await attributeAt(store, loaded, '2026-09');
  await attributeAt(store, loaded, '2026-10');
  file = join(mkdtempSync(join(tmpdir(), 'allot-budget-report-')), 'budgets.csv');
  writeFileSync(file, 'team_id,period,currency,amount\nalpha,2026-09,USD,3200\n');
  await ingestBudgets(store, loaded.config, file);
});
afterAll(() => store.close());

describe('the monthly team email: budget, actual, variance, six months', () => {
  it('the model: this month against the config budget, each month of the trend against its own', async () => {
    const r = await buildTeamReport(store, loaded.config, '2026-10', 'alpha', { platformValue: null });
    expect(r.budget).toEqual({
      currency: 'USD', budget: '3000.00', source: 'config teams[alpha].budget', actual: '3410.00', variance: '410.00',
      trend: [
        // months without a run have no actual; the config budget applies to every month no file names
        { period: '2026-05', budget: '3000.00', actual: null, variance: null },
        { period: '2026-06', budget: '3000.00', actual: null, variance: null },
        { period: '2026-07', budget: '3000.00', actual: null, variance: null },
        { period: '2026-08', budget: '3000.00', actual: null, variance: null },
        { period: '2026-09', budget: '3200.00', actual: '3000.00', variance: '-200.00' },
        { period: '2026-10', budget: '3000.00', actual: '3410.00', variance: '410.00' },
      ],
    });
  });

  it('the email says it in words and a table, in the text and the HTML part', async () => {
    const rendered = await renderTeamReport(await buildTeamReport(store, loaded.config, '2026-10', 'alpha', { platformValue: null }));
    expect(rendered.text).toContain('BUDGET\nBudget $3,000.00 (config teams[alpha].budget); actual $3,410.00, $410.00 over budget.\n');
    expect(rendered.text).toContain('Sep 2026  $3,200.00  $3,000.00  $200.00 under');
    expect(rendered.text).toContain('Oct 2026  $3,000.00  $3,410.00   $410.00 over');
    expect(rendered.html).toContain('Budget $3,000.00 (config teams[alpha].budget); actual $3,410.00, $410.00 over budget.');
    expect(rendered.html).toContain('color:#b42318;">$410.00 over</td>');
  });

  it('a team without a budget gets the email it always had', async () => {
    const r = await buildTeamReport(store, loaded.config, '2026-10', 'bravo', { platformValue: null });
    expect('budget' in r).toBe(false);
    const rendered = await renderTeamReport(r);
    expect(rendered.text).not.toContain('BUDGET');
    expect(rendered.html).not.toContain('>Budget<');
  });
});

describe('allot export budgets', () => {
  it('budget against actual per team, the actual tying to the chargeback CSV, with a manifest', async () => {
    const { buildBudgetsExport, writeBudgetsFiles } = await import('../../src/close/budgets.ts');
    const { parse } = await import('csv-parse/sync');
    const { readFileSync } = await import('node:fs');
    const e = await buildBudgetsExport(store, loaded.config, '2026-10');
    const out = join(mkdtempSync(join(tmpdir(), 'allot-budget-export-')), 'budgets-2026-10.csv');
    const files = writeBudgetsFiles(e, out);
    expect(parse(readFileSync(files.csv, 'utf8'), { columns: true })).toEqual([
      { period: '2026-10', team_id: 'alpha', team_name: 'Alpha', cost_center: 'CC-A', gl_account: '6100', currency: 'USD', budget: '3000.00', actual: '3410.00', variance: '410.00', budget_source: 'config teams[alpha].budget' },
      { period: '2026-10', team_id: 'bravo', team_name: 'Bravo', cost_center: 'CC-B', gl_account: '6200', currency: 'USD', budget: '', actual: '155.00', variance: '', budget_source: '' },
    ]);
    const manifest = JSON.parse(readFileSync(files.manifest, 'utf8'));
    expect(manifest).toMatchObject({ period: '2026-10', rows: 2, control_totals: [{ currency: 'USD', budget: '3000.00', actual: '3565.00' }], closed: false, closed_at: null });
    expect(files.manifest).toBe(out.replace(/\.csv$/, '.manifest.json'));
    const { createHash } = await import('node:crypto');
    expect(manifest.sha256).toBe(createHash('sha256').update(readFileSync(files.csv)).digest('hex'));
  });
});
