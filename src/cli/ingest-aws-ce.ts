import { Option } from 'commander';
import { DEFAULT_BILLING_ACCOUNT } from '../ingest/aws-ce/defaults.ts';
import type { CostExplorerPullResult } from '../ingest/aws-ce/index.ts';
import { periodOption } from './options.ts';
import type { RegisterSource } from './register.ts';
import { makeProgress, silentProgress } from './progress.ts';
import { plural } from './format.ts';

/** `allot ingest aws-ce --period YYYY-MM [--billing-account ID] [--all-tag-keys]` */
export const registerIngestAwsCe: RegisterSource = (ingest, run) => {
  ingest
    .command('aws-ce')
    .description('pull a month of daily cost from AWS Cost Explorer (per linked account, service and team tag); $0.01 per API request')
    .addOption(periodOption())
    .addOption(
      new Option('--billing-account <id>', 'BillingAccountId to record (use the payer account id); a re-pull replaces the earlier pull of the same account and period')
        .default(DEFAULT_BILLING_ACCOUNT),
    )
    .option('--all-tag-keys', 'pull each of team_tag_keys in turn (one more request per account with cost the earlier keys leave untagged)', false)
    .action((opts: { period: string; billingAccount: string; allTagKeys: boolean }) =>
      run(async (ctx) => {
        const config = ctx.config();
        const store = await ctx.db({ create: true });
        const progress = ctx.opts.json ? silentProgress : makeProgress(ctx.err);
        const { pullCostExplorer } = await import('../ingest/aws-ce/index.ts');
        const result = await pullCostExplorer(store, config, {
          period: opts.period,
          billingAccount: opts.billingAccount,
          tagKeys: opts.allTagKeys ? 'all' : 'first',
          progress,
        });
        ctx.print(result, () => {
          for (const line of describeAwsCePull(result)) ctx.out(line);
        });
        for (const w of result.warnings) ctx.err(`warning: ${w}`);
      }),
    );
};


/** Human lines for one pull. Warnings are printed separately (stderr). */
export function describeAwsCePull(r: CostExplorerPullResult): string[] {
  const parts = [
    `${r.file}: import #${r.importId}: ${plural(r.rowsLoaded, 'row')} imported from ${plural(r.accounts, 'linked account')}`,
    `${r.timePeriod.start} .. ${r.timePeriod.end} (exclusive)`,
    `tag key${r.tagKeys.length === 1 ? '' : 's'} ${r.tagKeys.join(', ')}`,
  ];
  if (r.replaced.length) parts.push(`replaces delivery ${r.replaced.map((id) => `#${id}`).join(', ')}`);
  const retries = r.httpRequests - r.requests;
  return [
    parts.join(', '),
    `Cost Explorer: ${plural(r.requests, 'API request')} (~$${r.requestCostUsd} at $0.01 each)` +
      (retries > 0 ? `, ${plural(retries, 'retried or failed HTTP request')}` : '') +
      (r.restarts > 0 ? `, ${plural(r.restarts, 'restart')} because AWS data changed while paging` : ''),
  ];
}
