import type { Register, RegisterSource } from './register.ts';
import { registerAwsCur } from './ingest-aws-cur.ts';
import { registerFocus } from './ingest-focus.ts';
import { registerIngestAwsCe } from './ingest-aws-ce.ts';
import { registerIngestGcpBq } from './ingest-gcp.ts';
import { registerIngestK8s } from './ingest-k8s.ts';
import { registerIngestPrometheus } from './ingest-prometheus.ts';
import { registerIngestInvoices } from './ingest-invoices.ts';
import { registerIngestSurvey } from './ingest-survey.ts';
import { registerIngestBudgets } from './ingest-budgets.ts';

// Each source lives in src/ingest/<source>/ and registers its subcommand here.
const sources: RegisterSource[] = [
  registerFocus, registerIngestK8s, registerIngestAwsCe, registerAwsCur, registerIngestGcpBq, registerIngestPrometheus, registerIngestInvoices,
  registerIngestSurvey, registerIngestBudgets,
];

export const registerIngest: Register = (program, run) => {
  const ingest = program.command('ingest').description('import billing data and Kubernetes usage into the store');
  for (const register of sources) register(ingest, run);
};
