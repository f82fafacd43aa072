import type { GcpPullResult } from '../ingest/gcp/index.ts';
import { periodOption } from './options.ts';
import { count, money, plural } from './format.ts';
import type { RegisterSource } from './register.ts';

/** `allot ingest gcp-bq --period YYYY-MM --table project.dataset.table [--project P] [--location L] [--no-resources]` */
export const registerIngestGcpBq: RegisterSource = (ingest, run) => {
  ingest
    .command('gcp-bq')
    .description('pull an invoice month of the Cloud Billing export (standard or detailed) from BigQuery; a re-pull replaces the earlier one')
    .addOption(periodOption())
    .requiredOption('--table <project.dataset.table>', 'the Cloud Billing export table, e.g. my-proj.billing.gcp_billing_export_v1_0123AB_4567CD_89EF01')
    .option('--project <id>', 'project that runs and pays for the query job (default: the table\'s project)')
    .option('--location <loc>', 'BigQuery location of the job (default: the table\'s)')
    .option('--no-resources', 'detailed export: aggregate away resource.name/global_name (fewer rows, no ResourceId)')
    .action((opts: { period: string; table: string; project?: string; location?: string; resources: boolean }) =>
      run(async (ctx) => {
        const store = await ctx.db({ create: true });
        const { pullGcpBilling } = await import('../ingest/gcp/index.ts');
        const result = await pullGcpBilling(store, {
          period: opts.period,
          table: opts.table,
          project: opts.project,
          location: opts.location,
          resources: opts.resources,
          onPage: ctx.opts.json ? undefined : (rows) => ctx.err(`gcp-bq: ${rows.toLocaleString('en-US')} result rows read`),
        });
        ctx.print(result, () => {
          for (const line of describeGcpPull(result)) ctx.out(line);
        });
        if (result.status === 'noop') ctx.err(`warning: ${result.note}`);
      }),
    );
};


/** Human lines for one pull. */
export function describeGcpPull(r: GcpPullResult): string[] {
  if (r.status === 'noop') return [`${r.file}: import #${r.importId}: ${r.note}`];
  const parts = [
    `${r.file}: import #${r.importId}: ${plural(r.rowsLoaded, 'row')} imported (${plural(r.creditRows, 'credit row')}) from ${plural(r.rowsRead, 'result row')}`,
    `${r.export} export, job project ${r.jobProject}`,
  ];
  if (r.replaced.length) parts.push(`replaces delivery ${r.replaced.map((id) => `#${id}`).join(', ')}`);
  const lines = [parts.join(', ')];
  for (const t of r.totals) lines.push(`  ${t.currency}: billed ${money(t.billed)} (credits ${money(t.credits)})`);
  if (r.chargePeriods.length > 1 || r.chargePeriods[0]?.period !== r.period) {
    lines.push(`  rows by charge period: ${r.chargePeriods.map((p) => `${p.period} ${count(p.rows)}`).join(', ')} (a row belongs to the month its usage started)`);
  }
  return lines;
}
