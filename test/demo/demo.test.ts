import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { printAttribution } from '../../src/cli/attribute.ts';
import { Context } from '../../src/cli/context.ts';
import { runDemo } from '../../src/demo/run.ts';
import type { ValueReport } from '../../src/model/value/types.ts';
import { roundDecimal } from '../../src/util/decimal.ts';

describe('allot demo', () => {
  it('writes every output, conserves the generated bill, ties it to the invoices on file, and closes the earlier months', async () => {
    const out = mkdtempSync(join(tmpdir(), 'allot-demo-'));
    const lines: string[] = [];
    const ctx = new Context({ config: '', db: '', json: false, verbose: false }, (l) => lines.push(l));
    const s = await runDemo({ out, seed: 42, period: '2026-10', log: (l) => lines.push(l), onAttributed: (r) => printAttribution(ctx, r) });

    expect(s.reconciles).toBe(true);
    expect(s.runs.map((r) => r.period)).toEqual(['2026-05', '2026-06', '2026-07', '2026-08', '2026-09', '2026-10']);
    expect(lines.join('\n')).toContain('conserved to the cent');
    // A tie-out line for each billing account: AWS's invoice is on file, Google's for the month not yet.
    expect(lines.filter((l) => /^ {2}(AWS|Google Cloud) /.test(l))).toEqual([
      '  Google Cloud 01A2B3-C4D5E6-F7A8B9 USD: no invoice on file (stored 78,657.84 USD)',
      '  AWS 210987654321 USD: ties to invoice AWS-202610-0001 (85,137.92 USD)',
    ]);

    // The CSV's control total is the generated bill, rounded: computed by the generator, not by Allot.
    const manifest = JSON.parse(readFileSync(s.manifest, 'utf8'));
    const csv = readFileSync(s.chargeback_csv, 'utf8');
    expect(csv.startsWith('period,team_id,team_name,cost_center,gl_account,mode,charge_type,service,currency,amount,line_items\r\n')).toBe(true);
    expect(csv.split('\r\n').filter(Boolean)).toHaveLength(manifest.rows + 1);
    const bill = s.generated.find((g) => g.period === '2026-10')!;
    expect(manifest).toMatchObject({ period: '2026-10', closed: false });
    expect(manifest.control_totals).toEqual([{ currency: 'USD', amount: roundDecimal(bill.EffectiveCost, 2) }]);
    const closed = JSON.parse(readFileSync(s.closed!.manifest, 'utf8'));
    expect(closed).toMatchObject({ period: '2026-09', closed: true, tieout: { status: 'ties', accepted_variance: null } });
    expect(manifest.tieout).toMatchObject({ billing_period: '2026-10', status: 'incomplete' });

    // One email per team, parseable, with inline charts.
    const emls = readdirSync(s.emails).filter((f) => f.endsWith('.eml'));
    expect(emls).toHaveLength(15);
    const mail = await simpleParser(readFileSync(join(s.emails, emls[0]!)), { keepCidLinks: true });
    expect(mail.subject).toMatch(/^\[Allot\] /);
    expect(mail.attachments.filter((a) => a.contentType === 'image/png' && a.cid)).toHaveLength(3);

    expect(existsSync(s.value_report)).toBe(true);
    expect(s.value_headline).toMatch(/^In 2026-10, \d+ of 15 teams used at least one of 3 platform capabilities; teams were charged \$[\d,]+ through them: Kubernetes \$[\d,]+ \(kubernetes charges/);
    // The review: three capabilities, a team adopting one mid-way, a team stopping one, survey answers.
    const value = JSON.parse(readFileSync(s.value_report.replace(/\.html$/, '.json'), 'utf8')) as ValueReport;
    expect(value.capabilities.map((c) => c.name)).toEqual(['Kubernetes', 'CI runners', 'Managed PostgreSQL']);
    const adoption = (id: string) => value.capabilities.find((c) => c.id === id)!.adoption;
    expect(adoption('managed-postgres').find((a) => a.period === '2026-07')!.new_adopters).toEqual(['checkout']);
    expect(adoption('managed-postgres').find((a) => a.period === '2026-09')!.stopped).toEqual(['search']);
    expect(adoption('ci-runners').find((a) => a.period === '2026-08')!.stopped).toEqual(['notifications']);
    expect(adoption('ci-runners').find((a) => a.period === '2026-09')!.new_adopters).toEqual(['logistics']);
    // The demo's 14 NPS answers and 3 onboarding samples, newest quarter first.
    expect(value.survey.nps).toEqual([
      { quarter: '2026-Q4', responses: 4, promoters: 3, passives: 1, detractors: 0, nps: '75' },
      { quarter: '2026-Q3', responses: 5, promoters: 4, passives: 0, detractors: 1, nps: '60' },
      { quarter: '2026-Q2', responses: 5, promoters: 2, passives: 2, detractors: 1, nps: '20' },
    ]);
    expect(value.survey.onboarding).toEqual([
      { quarter: '2026-Q4', samples: 1, median_hours: '9.3' },
      { quarter: '2026-Q3', samples: 1, median_hours: '14.0' },
      { quarter: '2026-Q2', samples: 1, median_hours: '6.5' },
    ]);
    expect(value.shared_outside.map((p) => p.pool).sort()).toEqual(['platform', 'security']);
    const md = readFileSync(s.value_report.replace(/\.html$/, '.md'), 'utf8');
    expect(md).toContain('| Identity & Access |'); // Markdown, not HTML entities
    expect(readdirSync(join(s.value_report, '..')).filter((f) => f.endsWith('.png'))).toHaveLength(2);

    // The next month so far: one team over its budget, one past 80%, one far under, a spike; the alerts as .eml files.
    const b = s.budgets;
    expect(b).toMatchObject({ period: '2026-11', as_of: '2026-11-15', spike: { day: '2026-11-10' } });
    expect(b.alerts).toEqual([
      `${b.budgets.near} forecast:80`,
      `${b.budgets.over} forecast:80`, `${b.budgets.over} forecast:100`, `${b.budgets.over} mtd:100`,
      `${b.spike.team} anomaly:2026-11-10:${b.spike.service}`,
    ]);
    const alertFiles = readdirSync(b.alerts_dir).filter((f) => f.endsWith('.eml'));
    expect(alertFiles).toHaveLength(5);
    const spike = await simpleParser(readFileSync(join(b.alerts_dir, alertFiles.find((f) => f.startsWith(`${b.spike.team}.anomaly-`))!)));
    expect(spike.text).toContain(`allot explain --period 2026-11 --team ${b.spike.team}`);
    expect(readFileSync(b.forecast, 'utf8')).toContain(`(${b.budgets.under}): November 2026, as of 2026-11-15`);
  }, 240_000); // the whole demo, the next month's replay included, on a shared two-core machine
});
