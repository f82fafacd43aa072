import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { chargebackRows, renderChargebackCsv } from '../render/chargeback-csv.ts';
import type { Store } from '../store/db.ts';
import { AllotError } from '../util/errors.ts';
import { periodOption } from './attribute.ts';
import type { Register } from './commands.ts';

export const registerExport: Register = (program, run) => {
  const exp = program.command('export').description('write outputs for finance');
  exp
    .command('chargeback')
    .description('write the chargeback CSV of the latest run of a period')
    .addOption(periodOption())
    .requiredOption('--out <file>', 'CSV file to write')
    .option('--run <id>', 'a specific allocation run instead of the latest')
    .action((opts: { period: string; out: string; run?: string }) =>
      run(async (ctx) => {
        const store = await ctx.db();
        const runId = await latestRun(store, opts.period, opts.run === undefined ? undefined : Number(opts.run));
        const rows = await chargebackRows(store, runId);
        writeAtomically(opts.out, renderChargebackCsv(rows));
        ctx.print({ period: opts.period, runId, rows: rows.length, file: opts.out }, () =>
          ctx.out(`Wrote ${rows.length} rows of run #${runId} (${opts.period}) to ${opts.out}`),
        );
      }),
    );
};

export async function latestRun(store: Store, period: string, runId?: number): Promise<number> {
  const row = await store.one<{ run_id: number | null }>(
    runId === undefined
      ? 'SELECT max(run_id) AS run_id FROM allocation_runs WHERE period = $1'
      : 'SELECT max(run_id) AS run_id FROM allocation_runs WHERE period = $1 AND run_id = $2',
    runId === undefined ? [period] : [period, runId],
  );
  if (!row?.run_id) {
    throw new AllotError(runId === undefined
      ? `no allocation run for period ${period}: run "allot attribute --period ${period}" first`
      : `run #${runId} is not a run of period ${period}`);
  }
  return row.run_id;
}

/** Writes via a temp file and rename, so a reader never sees half a file. */
export function writeAtomically(file: string, content: string | Buffer): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, content);
  renameSync(tmp, file);
}
