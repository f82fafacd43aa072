// The demo's open month: budgets, a forecast and the alerts Allot would send.
//
// After the reported month is done (its numbers are not touched), the demo
// replays that month's first two weeks as the next month so far (its FOCUS
// files and Kubernetes snapshots, dated one month later), with a spend spike
// on the 10th for one team: four times its largest service's usage that day.
// Finance's budgets for the open month come as a file (allot ingest budgets):
// one team over its budget, one close to its 80% threshold, one far under.
// The forecast and every alert (a dry run: .eml files) go to <out>/alerts/.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { LoadedConfig } from '../config/load.ts';
import { attribute } from '../allocate/run.ts';
import { sendAlerts } from '../deliver/alerts.ts';
import { ingestBudgets } from '../ingest/budgets/index.ts';
import { ingestFocusFiles } from '../ingest/focus/ingest.ts';
import { ingestSnapshotFiles } from '../ingest/k8s/index.ts';
import { buildForecasts } from '../model/forecast/build.ts';
import { divRound, fromUnits, toUnits } from '../model/forecast/project.ts';
import { chargeTypeTable, forecastLines } from '../render/forecast/text.ts';
import { sqlString, type Store } from '../store/db.ts';
import { roundDecimal } from '../util/decimal.ts';
import { writeAtomically } from '../util/files.ts';
import { addMonths } from '../util/period.ts';
import { focusCsvColumnsSql, TIMESTAMP_FORMAT } from './focus.ts';

/** The open month runs to this day: days 1–14 are replayed, the forecast is made on the 15th. */
const REPLAY_DAYS = 14;
const SPIKE_DAY = 10;

export interface DemoBudgets {
  period: string;
  as_of: string;
  spike: { team: string; service: string; day: string };
  budgets: { over: string; near: string; under: string; file: string };
  forecast: string;
  alerts_dir: string;
  alerts: string[];
}

export async function runBudgetsDemo(
  store: Store,
  loaded: LoadedConfig,
  o: { out: string; inputs: string; focusFiles: string[]; snapshotFiles: string[]; period: string; log: (line: string) => void },
): Promise<DemoBudgets> {
  const open = addMonths(o.period, 1);
  const asOf = `${open}-${String(REPLAY_DAYS + 1).padStart(2, '0')}`;
  const alertsDir = join(o.out, 'alerts');
  rmSync(alertsDir, { recursive: true, force: true });

  // The spike: the team with the largest direct cost, its largest service, on the 10th.
  const runId = (await store.one<{ id: number }>('SELECT period_run_id($1) AS id', [o.period]))!.id;
  const top = (await store.one<{ team_id: string; service: string }>(
    `SELECT team_id, service FROM chargeback_rows WHERE run_id = $1 AND charge_type = 'direct' AND team_id <> 'unallocated'
     ORDER BY amount DESC, team_id, service LIMIT 1`,
    [runId],
  ))!;
  const accounts = loaded.config.teams.find((t) => t.id === top.team_id)?.accounts ?? [];

  // The month so far: the reported month's first two weeks, one month later.
  const focus: string[] = [];
  for (const f of o.focusFiles.filter((x) => basename(x).endsWith(`-${o.period}.csv`))) {
    const to = join(o.inputs, basename(f).replace(`-${o.period}.csv`, `-${open}-to-day-${REPLAY_DAYS}.csv`));
    const spike = `(SubAccountId IN (SELECT unnest(${sqlString(JSON.stringify(accounts))}::JSON::VARCHAR[])) AND ServiceName = ${sqlString(top.service)}
                    AND ChargePeriodStart::DATE = DATE ${sqlString(`${o.period}-${String(SPIKE_DAY).padStart(2, '0')}`)} AND ChargeCategory = 'Usage')`;
    const times4 = (c: string) => `CASE WHEN ${spike} THEN ${c} * 4 ELSE ${c} END AS ${c}`;
    await store.run(`COPY (
      SELECT * REPLACE (
        BillingPeriodStart + INTERVAL 1 MONTH AS BillingPeriodStart, BillingPeriodEnd + INTERVAL 1 MONTH AS BillingPeriodEnd,
        ChargePeriodStart + INTERVAL 1 MONTH AS ChargePeriodStart, ChargePeriodEnd + INTERVAL 1 MONTH AS ChargePeriodEnd,
        ${['BilledCost', 'EffectiveCost', 'ListCost', 'ContractedCost', 'PricingQuantity', 'ConsumedQuantity'].map(times4).join(', ')})
      FROM read_csv(${sqlString(f)}, header = true, columns = ${focusCsvColumnsSql()}, timestampformat = '${TIMESTAMP_FORMAT}')
      WHERE ChargePeriodStart < TIMESTAMP ${sqlString(`${o.period}-${String(REPLAY_DAYS + 1).padStart(2, '0')}`)}
    ) TO ${sqlString(to)} (FORMAT csv, HEADER, timestampformat '${TIMESTAMP_FORMAT}')`);
    focus.push(to);
  }
  const snaps: string[] = [];
  for (const f of o.snapshotFiles.filter((x) => basename(x).endsWith(`-${o.period}.jsonl`))) {
    const to = join(o.inputs, basename(f).replace(`-${o.period}.jsonl`, `-${open}-to-day-${REPLAY_DAYS}.jsonl`));
    const lines = readFileSync(f, 'utf8').split('\n').filter(Boolean).flatMap((l) => {
      const s = JSON.parse(l) as { ts: string };
      const day = Number(s.ts.slice(8, 10));
      return day <= REPLAY_DAYS ? [JSON.stringify({ ...s, ts: `${open}${s.ts.slice(7)}` })] : [];
    });
    writeFileSync(to, `${lines.join('\n')}\n`);
    snaps.push(to);
  }
  await ingestFocusFiles(store, focus);
  await ingestSnapshotFiles(store, snaps);
  await attribute(store, loaded, open);
  o.log(`Replayed ${o.period} days 1–${REPLAY_DAYS} as ${open} so far, with a spike on ${open}-${SPIKE_DAY} for ${top.team_id} (${top.service}), and attributed it`);

  // Budgets around the forecast: one team over, one close to 80%, one far under.
  const before = (await buildForecasts(store, loaded.config, open, { asOf })).map((s) => s.forecast);
  const ranked = before.filter((f) => f.team.id !== top.team_id && toUnits(f.forecast) > 0n).sort((a, b) => (toUnits(b.forecast) > toUnits(a.forecast) ? 1 : -1));
  const [over, near, under] = [ranked[0]!, ranked[1]!, ranked[2]!];
  const tens = (u: bigint) => roundDecimal(fromUnits((u / (10n * 10n ** 12n)) * 10n * 10n ** 12n), 2);
  const budgetFile = join(o.inputs, `budgets-${open}.csv`);
  writeAtomically(
    budgetFile,
    [
      'team_id,period,currency,amount',
      // under what it has already spent: over budget, by the cost to date and the forecast
      `${over.team.id},${open},${over.currency},${tens(divRound(toUnits(over.mtd) * 9n, 10n))}`,
      // the forecast at about 85%: past the 80% threshold, not the budget
      `${near.team.id},${open},${near.currency},${tens(divRound(toUnits(near.forecast) * 100n, 85n))}`,
      // twice the forecast
      `${under.team.id},${open},${under.currency},${tens(toUnits(under.forecast) * 2n)}`,
      '',
    ].join('\n'),
  );
  await ingestBudgets(store, loaded.config, budgetFile);

  const after = await buildForecasts(store, loaded.config, open, { asOf });
  const text = after
    .filter((s) => s.forecast.budget !== null || s.forecast.team.id === top.team_id)
    .flatMap((s) => {
      const t = chargeTypeTable(s.forecast);
      const w = t.head.map((h, i) => Math.max(h.length, ...t.rows.map((r) => r[i]!.length)));
      const row = (r: string[]) => `  ${r.map((c, i) => (i === 0 || i === r.length - 1 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join('  ').trimEnd()}`;
      return [...forecastLines(s.forecast), '', row(t.head), ...t.rows.map(row), ''];
    })
    .join('\n');
  const forecastFile = join(alertsDir, `forecast-${open}.txt`);
  writeAtomically(forecastFile, text);

  const r = await sendAlerts(store, loaded.config, { period: open, asOf, dryRunDir: alertsDir });
  o.log(`Wrote ${r.alerts.length} alerts it would send for ${open} (as of ${asOf}) and the forecast to alerts/: ${r.alerts.map((a) => `${a.team.id} ${a.key}`).join('; ')}`);
  return {
    period: open,
    as_of: asOf,
    spike: { team: top.team_id, service: top.service, day: `${open}-${String(SPIKE_DAY).padStart(2, '0')}` },
    budgets: { over: over.team.id, near: near.team.id, under: under.team.id, file: budgetFile },
    forecast: forecastFile,
    alerts_dir: alertsDir,
    alerts: r.alerts.map((a) => `${a.team.id} ${a.key}`),
  };
}
