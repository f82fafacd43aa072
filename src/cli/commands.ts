import type { Register } from './register.ts';
import { registerAttribute } from './attribute.ts';
import { registerClose } from './close.ts';
import { registerDemo } from './demo.ts';
import { registerCollect } from './collect.ts';
import { registerExplain } from './explain.ts';
import { registerExport } from './export.ts';
import { registerForecast } from './forecast.ts';
import { registerAlerts } from './alerts.ts';
import { registerIngest } from './ingest.ts';
import { registerInit } from './init.ts';
import { registerPrices } from './prices.ts';
import { registerReport } from './report.ts';
import { registerRun } from './run.ts';
import { registerJobs } from './jobs.ts';
import { registerSchedule } from './schedule.ts';
import { registerSend } from './send.ts';
import { registerSends } from './sends.ts';
import { registerServe } from './serve.ts';
import { registerStatus } from './status.ts';
import { registerTieOut } from './tieout.ts';
import { registerWorker } from './worker.ts';

// Every command, in the order `allot --help` lists them. One file each.
export const commands: Register[] = [
  registerDemo,
  registerInit,
  registerIngest,
  registerCollect,
  registerPrices,
  registerAttribute,
  registerTieOut,
  registerExport,
  registerClose,
  registerReport,
  registerSend,
  registerSends,
  registerExplain,
  registerServe,
  registerForecast,
  registerAlerts,
  registerStatus,
  registerRun,
  registerSchedule,
  registerWorker,
  registerJobs,
];
