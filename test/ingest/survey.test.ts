import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { attribute } from '../../src/allocate/run.ts';
import { ingestSurvey } from '../../src/ingest/survey/index.ts';
import { buildValueReport } from '../../src/model/value/index.ts';
import { renderValueMarkdown } from '../../src/render/value/index.ts';
import type { Store } from '../../src/store/db.ts';
import { addItems, config, tempStore } from '../allocate/fixture.ts';
import { allot } from '../cli/run.ts';

const yaml = `
teams:
  - { id: alpha, name: Alpha, cost_center: CC-A, gl_account: "6100", aliases: [a-team] }
  - { id: bravo, name: Bravo, cost_center: CC-B, gl_account: "6200" }
`;
const teams = new Map([['alpha', 'alpha'], ['a-team', 'alpha'], ['bravo', 'bravo']]);
const dir = mkdtempSync(join(tmpdir(), 'allot-survey-'));
const file = (name: string, text: string) => {
  const f = join(dir, name);
  writeFileSync(f, text);
  return f;
};

let store: Store;
beforeEach(async () => {
  store = await tempStore();
});
afterEach(() => store.close());

describe('allot ingest survey', () => {
  it('records NPS answers and onboarding samples; the review shows NPS per quarter and the median onboarding time', async () => {
    // Q3 2026: 10, 9 promoters, 8 passive, 4 detractor → (2 − 1) / 4 = 25; Q4 (to the end of October): 6, 7 → (0 − 1) / 2 = −50
    const nps = file('nps.csv', 'team,date,score\nalpha,2026-07-01,10\nA-Team,2026-08-15,9\nbravo,2026-09-30,8\nbravo,2026-09-01,4\nalpha,2026-10-31,6\nbravo,2026-10-02,7\nbravo,2026-11-01,0\n');
    expect(await ingestSurvey(store, nps, teams)).toEqual({ file: nps, kind: 'nps', rows: 7, teams: 2, replaced: 0 });
    const onboarding = file('onboarding.csv', 'date,team,hours\n2026-08-01,alpha,4.5\n2026-09-01,bravo,30\n2026-09-20,bravo,12\n');
    expect(await ingestSurvey(store, onboarding, teams)).toMatchObject({ kind: 'onboarding', rows: 3, teams: 2 });

    await addItems(store, '2026-10', [{ cost: '10.00', tags: { team: 'alpha' } }]);
    await attribute(store, config(yaml), '2026-10');
    const r = await buildValueReport(store, config(yaml).config, '2026-10');
    // November's answer is after the period: not counted
    expect(r.survey.nps).toEqual([
      { quarter: '2026-Q4', responses: 2, promoters: 0, passives: 1, detractors: 1, nps: '-50' },
      { quarter: '2026-Q3', responses: 4, promoters: 2, passives: 1, detractors: 1, nps: '25' },
    ]);
    // median of 4.5, 12, 30 = 12
    expect(r.survey.onboarding).toEqual([{ quarter: '2026-Q3', samples: 3, median_hours: '12.0' }]);
    const md = renderValueMarkdown(r);
    expect(md).toContain('| 2026-Q3 | 25 | 4 | 2 | 1 | 1 |');
    expect(md).toContain('| 2026-Q3 | 12.0 | 3 |');
    expect(md).toContain('NPS: -50 in 2026-Q4 (2 responses). Onboarding: median 12.0 hours to first production deploy in 2026-Q3 (3 samples).');
    expect(md).not.toContain('NPS: not measured');
    expect(md).not.toContain('Onboarding time: not measured');

    // The same file again replaces its rows
    writeFileSync(nps, 'team,date,score\nalpha,2026-07-01,10\n');
    expect(await ingestSurvey(store, nps, teams)).toMatchObject({ rows: 1, replaced: 7 });
    expect((await buildValueReport(store, config(yaml).config, '2026-10')).survey.nps).toEqual([
      { quarter: '2026-Q3', responses: 1, promoters: 1, passives: 0, detractors: 0, nps: '100' },
    ]);
  });

  it('refuses a bad row naming FILE:LINE and column, and records nothing', async () => {
    const cases: [string, RegExp][] = [
      ['team,date,score\nalpha,2026-07-01,10\nalpha,2026-07-02,11\n', /bad\.csv:3: column score: must be a whole number from 0 to 10, got "11"/],
      ['team,date,score\nzulu,2026-07-01,10\n', /bad\.csv:2: column team: unknown team "zulu"/],
      ['team,date,score\nalpha,2026-02-30,10\n', /bad\.csv:2: column date: must be a date YYYY-MM-DD, got "2026-02-30"/],
      ['team,date,hours\nalpha,2026-07-01,-1\n', /bad\.csv:2: column hours: must be a number of hours/],
      ['team,when,score\nalpha,2026-07-01,10\n', /bad\.csv:1: header must be "team,date,score"/],
      ['team,date,score\n', /bad\.csv: no answers after the header/],
    ];
    for (const [text, error] of cases) {
      await expect(ingestSurvey(store, file('bad.csv', text), teams)).rejects.toThrow(error);
    }
    expect(await store.all('SELECT * FROM survey_nps')).toEqual([]);
    expect(await store.all('SELECT * FROM survey_onboarding')).toEqual([]);
  });

  it('runs from the CLI', async () => {
    const cfg = file('allot.yaml', yaml);
    const db = join(dir, 'cli.duckdb');
    const ok = await allot(['--config', cfg, '--db', db, 'ingest', 'survey', file('cli.csv', 'team,date,score\nalpha,2026-07-01,10\nbravo,2026-07-02,3\n')]);
    expect(ok.stderr).toBe('');
    expect(ok.stdout).toContain('cli.csv: 2 NPS answers from 2 teams recorded');
    const bad = await allot(['--config', cfg, '--db', db, 'ingest', 'survey', file('cli-bad.csv', 'team,date,score\nalpha,2026-07-01,x\n')]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('cli-bad.csv:2: column score: must be a whole number from 0 to 10, got "x"');
  });
});
