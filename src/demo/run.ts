import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { attribute, type AttributionResult } from '../allocate/run.ts';
import { buildChargebackExport, closePeriod } from '../close/close.ts';
import { writeChargebackFiles } from '../close/files.ts';
import { parseConfig } from '../config/load.ts';
import { ingestFocusFiles } from '../ingest/focus/ingest.ts';
import { writeTeamEmails, writeValueReport } from '../deliver/files.ts';
import { ingestSnapshotFiles } from '../ingest/k8s/index.ts';
import { ingestInvoices } from '../ingest/invoices/index.ts';
import { buildValueReport } from '../model/value/build.ts';
import { valueCharts } from '../render/value/charts.ts';
import { Store } from '../store/db.ts';
import { compareDecimal } from '../util/decimal.ts';
import { writeAtomically } from '../util/files.ts';
import { snakeKeys } from '../util/json.ts';
import { ingestDemoSurvey } from './capabilities.ts';
import { DEMO_SIZE, generateOrg } from './generator.ts';
import { buildOrg } from './org.ts';
import { runBudgetsDemo, type DemoBudgets } from './budgets.ts';

export interface DemoSummary {
  out: string;
  period: string;
  runs: { period: string; run_id: number }[];
  chargeback_csv: string;
  manifest: string;
  /** The month before `period`, closed as finance would, with its frozen export. */
  closed: { period: string; csv: string; manifest: string } | null;
  emails: string;
  value_report: string;
  value_headline: string;
  reconciles: boolean;
  allocated_percent: { currency: string; percent: string }[];
  example_team: string;
  config: string;
  /** The generator's own totals of what it wrote, per period and currency (exact). */
  generated: { period: string; currency: string; EffectiveCost: string }[];
  /** The next month so far: budgets, the forecast and the alerts Allot would send (./budgets.ts). */
  budgets: DemoBudgets;
  result: AttributionResult;
}

/**
 * The README's main command: generate a seeded organisation, ingest it,
 * attribute every month, and write the finance outputs. Everything lives
 * under `out`, which is rebuilt from scratch so reruns are identical.
 */
export interface DemoOptions {
  out: string;
  seed: number;
  period: string;
  /** Progress lines. */
  log: (line: string) => void;
  /** The last month's attribution, as soon as it is done (the CLI prints its table, conservation and tie-out). */
  onAttributed?: (result: AttributionResult) => void;
}

export async function runDemo(opts: DemoOptions): Promise<DemoSummary> {
  const { out, log } = opts;
  for (const name of ['allot.duckdb', 'allot.duckdb.wal', 'inputs', 'emails', 'value']) rmSync(join(out, name), { recursive: true, force: true });
  mkdirSync(out, { recursive: true });

  log(`Generating the demo organisation (seed ${opts.seed}, ${DEMO_SIZE.months} months to ${opts.period})…`);
  const org = await generateOrg(join(out, 'inputs'), { seed: opts.seed, period: opts.period, size: DEMO_SIZE, format: 'csv' });
  const configFile = org.configFile;
  const loaded = parseConfig(org.configYaml, configFile, {});

  const store = await Store.open(join(out, 'allot.duckdb'));
  try {
    const focus = await ingestFocusFiles(store, org.focusFiles);
    log(`Imported ${sum(focus.files.map((f) => f.rowsLoaded))} FOCUS line items from ${focus.files.length} files`);
    const snaps = await ingestSnapshotFiles(store, org.snapshotFiles);
    log(`Imported Kubernetes usage from ${snaps.length} snapshot files`);
    const invoices = await ingestInvoices(store, org.invoicesFile);
    log(`Imported ${invoices.rows} invoices (Google's for ${opts.period} is not issued yet)`);
    const survey = await ingestDemoSurvey(store, join(out, 'inputs'), buildOrg(DEMO_SIZE), loaded.config.teams, org.periods, opts.seed);
    log(`Imported ${survey.nps} platform survey answers (NPS) and ${survey.onboarding} onboarding samples`);

    const periods = (await store.all<{ period: string }>('SELECT DISTINCT period FROM line_items WHERE period <= $1 ORDER BY 1', [opts.period])).map((p) => p.period);
    const runs: DemoSummary['runs'] = [];
    let result: AttributionResult | undefined;
    for (const period of periods) {
      result = await attribute(store, loaded, period);
      runs.push({ period, run_id: result.runId });
    }
    if (!result) throw new Error('the demo generated no line items');
    log(`Attributed ${periods.length} months: ${periods.join(', ')}`);
    opts.onAttributed?.(result);

    // Finance closes every month before the one being reported.
    let closed: DemoSummary['closed'] = null;
    for (const { period } of runs.slice(0, -1)) {
      await closePeriod(store, period, { actor: 'demo', decimals: loaded.config.currency_decimals });
      closed = { period, ...writeChargebackFiles(await buildChargebackExport(store, period), join(out, `chargeback-${period}.csv`)) };
    }
    const current = writeChargebackFiles(await buildChargebackExport(store, opts.period), join(out, `chargeback-${opts.period}.csv`));
    log('');
    log(`Wrote chargeback-${opts.period}.csv and its manifest${closed ? `; closed ${runs.length - 1} earlier months (latest: chargeback-${closed.period}.csv, frozen)` : ''}`);

    const emails = join(out, 'emails');
    const written = await writeTeamEmails(store, loaded.config, opts.period, emails);
    log(`Wrote ${written.length} team emails (.eml and .html) to emails/`);
    const value = await buildValueReport(store, loaded.config, opts.period);
    const valueFiles = writeValueReport(value, join(out, 'value'), await valueCharts(value));
    log(`Wrote the platform value report to value/: ${value.headline}`);
    const budgets = await runBudgetsDemo(store, loaded, { out, inputs: join(out, 'inputs'), focusFiles: org.focusFiles, snapshotFiles: org.snapshotFiles, period: opts.period, log });

    const reconciles = result.totals.every((t) => t.ok);
    const biggest = result.teams.filter((t) => t.team_id !== 'unallocated').sort((a, b) => compareDecimal(b.total, a.total))[0];
    const summary: DemoSummary = {
      out,
      period: opts.period,
      runs,
      chargeback_csv: current.csv,
      manifest: current.manifest,
      closed,
      emails,
      value_report: valueFiles.html,
      value_headline: value.headline,
      reconciles,
      allocated_percent: result.allocatedPercent,
      example_team: biggest?.team_id ?? 'unallocated',
      config: configFile,
      generated: org.expected.totals.map((t) => ({ period: t.period, currency: t.currency, EffectiveCost: t.EffectiveCost })),
      budgets,
      result,
    };
    writeAtomically(join(out, `summary-${opts.period}.json`), `${JSON.stringify(snakeKeys(summary), null, 2)}\n`);
    if (!existsSync(current.csv) || !reconciles) throw new Error('the demo did not reconcile');
    return summary;
  } finally {
    store.close();
  }
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
