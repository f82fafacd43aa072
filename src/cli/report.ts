import type { Command } from 'commander';
import type { Register } from './commands.ts';
import type { Context } from './context.ts';
import { registerShowbackReport } from './report-showback.ts';
import { registerValueReport } from './report-value.ts';

/** One `allot report <kind>` subcommand. */
export type RegisterReport = (report: Command, run: (fn: (ctx: Context) => Promise<void>) => Promise<void>) => void;

// Each report lives in src/render/ and registers its subcommand here.
const reports: RegisterReport[] = [registerShowbackReport, registerValueReport];

export const registerReport: Register = (program, run) => {
  const report = program.command('report').description('write reports to disk: team showback, platform value');
  for (const register of reports) register(report, run);
};
