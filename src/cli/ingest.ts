import type { Command } from 'commander';
import type { Register } from './commands.ts';
import type { Context } from './context.ts';
import { registerAwsCur } from './ingest-aws-cur.ts';
import { registerFocus } from './ingest-focus.ts';
import { registerIngestAwsCe } from './ingest-aws-ce.ts';
import { registerIngestGcpBq } from './ingest-gcp.ts';
import { registerIngestK8s } from './ingest-k8s.ts';
import { registerIngestPrometheus } from './ingest-prometheus.ts';
import { registerIngestInvoices } from './ingest-invoices.ts';

/** One `allot ingest <source>` subcommand. */
export type RegisterSource = (ingest: Command, run: (fn: (ctx: Context) => Promise<void>) => Promise<void>) => void;

// Each source lives in src/ingest/<source>/ and registers its subcommand here.
const sources: RegisterSource[] = [registerFocus, registerIngestK8s, registerIngestAwsCe, registerAwsCur, registerIngestGcpBq, registerIngestPrometheus, registerIngestInvoices];

export const registerIngest: Register = (program, run) => {
  const ingest = program.command('ingest').description('import billing data and Kubernetes usage into the store');
  for (const register of sources) register(ingest, run);
};
