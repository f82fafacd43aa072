import type { Register, RegisterReport } from './register.ts';
import { registerShowbackReport } from './report-showback.ts';
import { registerValueReport } from './report-value.ts';

// Each report's read model is in src/model/, its rendering in src/render/; it registers its subcommand here.
const reports: RegisterReport[] = [registerShowbackReport, registerValueReport];

export const registerReport: Register = (program, run) => {
  const report = program.command('report').description('write reports to disk: team showback, platform value');
  for (const register of reports) register(report, run);
};
