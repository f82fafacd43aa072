import type { CostExplorerClient } from '@aws-sdk/client-cost-explorer';
import type { Progress } from '../../util/progress.ts';
import type { LoadedConfig } from '../../config/load.ts';
import type { Config } from '../../config/schema.ts';
import type { Store } from '../../store/db.ts';
import { appendImportNote } from '../../store/imports.ts';
import { sqlFolder } from '../../store/sql.ts';
import { UsageError } from '../../util/errors.ts';
import { commitPull, createLineItemStage, dropLineItemStage, type ImportResult } from '../commit.ts';
import { CostExplorerError, createCostExplorerClient, type CeClientOptions } from './client.ts';
import { DEFAULT_MAX_RESTARTS, fetchAccountCosts, listLinkedAccounts, type CallStats } from './fetch.ts';
import { DEFAULT_BILLING_ACCOUNT } from './defaults.ts';
import { cePeriod } from './period.ts';
import type { CeRawRow } from './rows.ts';

export { createCostExplorerClient, CostExplorerError, describeCeError, type CeClientOptions } from './client.ts';
export { cePeriod, type CePeriod } from './period.ts';
export { plainDecimal } from './rows.ts';

const sql = sqlFolder(new URL('./sql/', import.meta.url));

export const AWS_CE_SOURCE = 'aws-ce';

/** The import a pull of `period` for `billingAccount` writes (imports.file): how a later job finds it. */
export const costExplorerImportKey = (billingAccount: string, period: string): string => `${AWS_CE_SOURCE}:${billingAccount}:${period}`;
export { DEFAULT_BILLING_ACCOUNT } from './defaults.ts';

export interface PullCostExplorerOptions {
  /** YYYY-MM (UTC). The current month is pulled up to today. */
  period: string;
  /** A ready client; otherwise one is built from `clientOptions` and the SDK's standard chain, and destroyed after. */
  client?: CostExplorerClient;
  clientOptions?: CeClientOptions;
  /** FOCUS BillingAccountId of the rows (default "aws-ce"): a re-pull replaces the earlier pull of the same account and period. */
  billingAccount?: string;
  /**
   * Which of the config's `team_tag_keys` to pull: `first` (default, one
   * query per linked account) or `all` (each key in turn: for resources
   * without the earlier keys, one more query per account that has such cost).
   */
  tagKeys?: 'first' | 'all';
  /** RequestChangedException restarts of one paged query (default 3). */
  maxRestarts?: number;
  now?: () => Date;
  progress?: Progress;
}

export interface CostExplorerPullResult extends ImportResult {
  source: typeof AWS_CE_SOURCE;
  /** The import's `file`: `aws-ce:<billing account>:<period>`. */
  file: string;
  period: string;
  billingAccount: string;
  /** The range asked of Cost Explorer (End exclusive). */
  timePeriod: { start: string; end: string };
  /** True for the current month (pulled up to today). */
  partial: boolean;
  accounts: number;
  tagKeys: string[];
  /** Billable API calls (each $0.01) and HTTP requests sent (retries included). */
  requests: number;
  httpRequests: number;
  /** `requests` × $0.01, as a decimal string. */
  requestCostUsd: string;
  restarts: number;
  /** Days AWS marked Estimated, and the rows on them (their `extra` has `x_Estimated: "true"`). */
  estimatedDays: number;
  estimatedRows: number;
  /** Rows that keep the pull's total exact when the per-tag-key queries disagree (`tagKeys: 'all'` only). */
  remainderRows: number;
  warnings: string[];
}

function tagKeysOf(cfg: Config | LoadedConfig): string[] {
  const config = 'config' in cfg ? cfg.config : cfg;
  return config.team_tag_keys;
}

/**
 * `allot ingest aws-ce --period YYYY-MM`: pulls the month's daily cost from
 * AWS Cost Explorer, per linked account by service and team tag, and imports
 * it as one FOCUS-shaped import (`source` aws-ce). Every page is fetched
 * before the store is touched, so a failure (after the SDK's retries) writes
 * nothing. A re-pull of the same billing account and period supersedes the
 * previous pull's rows.
 */
export async function pullCostExplorer(
  store: Store,
  cfg: Config | LoadedConfig,
  opts: PullCostExplorerOptions,
): Promise<CostExplorerPullResult> {
  const p = cePeriod(opts.period, (opts.now ?? (() => new Date()))());
  const billingAccount = opts.billingAccount ?? DEFAULT_BILLING_ACCOUNT;
  if (billingAccount.trim() === '') throw new UsageError('--billing-account must not be empty');
  const configured = tagKeysOf(cfg);
  if (configured.length === 0) throw new UsageError('team_tag_keys is empty: Cost Explorer needs a tag key to group by');
  const tagKeys = opts.tagKeys === 'all' ? configured : configured.slice(0, 1);
  const maxRestarts = opts.maxRestarts ?? DEFAULT_MAX_RESTARTS;
  const timePeriod = { Start: p.start, End: p.end };
  const stats: CallStats = { requests: 0, httpRequests: 0, restarts: 0 };

  const client = opts.client ?? createCostExplorerClient(opts.clientOptions);
  const rows: CeRawRow[] = [];
  const queried: { account: string; level: number }[] = [];
  const estimatedDays = new Set<string>();
  let progressStarted = false;
  try {
    const accounts = await listLinkedAccounts(client, timePeriod, stats, maxRestarts);
    opts.progress?.start(`aws-ce ${p.period}`, accounts.length);
    progressStarted = true;
    for (const [ai, account] of accounts.entries()) {
      for (const [level, tagKey] of tagKeys.entries()) {
        const got = await fetchAccountCosts(client, timePeriod, { account, tagKey, level, absentKeys: tagKeys.slice(0, level) }, stats, maxRestarts);
        queried.push({ account: account.id, level });
        rows.push(...got.rows);
        for (const d of got.estimatedDays) estimatedDays.add(d);
        // A later key only matters for cost this key left untagged.
        if (!got.rows.some((r) => r.tagValue === null && !(isZero(r.amortized) && isZero(r.unblended)))) break;
      }
      opts.progress?.tick(ai + 1);
    }
  } catch (e) {
    if (e instanceof CostExplorerError) {
      e.message += ` (${stats.requests} API request${stats.requests === 1 ? '' : 's'} made)`;
    }
    throw e;
  } finally {
    if (progressStarted) opts.progress?.stop();
    if (!opts.client) client.destroy();
  }

  const file = costExplorerImportKey(billingAccount, p.period);
  const committed = await store.transaction(async () => {
    await createLineItemStage(store);
    await stageRows(store, rows, queried, { billingAccount, monthStart: p.start, monthEnd: p.monthEnd, tagKeys });
    const counts = (await store.one<{ estimated: string; remainder: string }>(sql('stage-counts')))!;
    const result = await commitPull(store, { source: AWS_CE_SOURCE, file, format: 'api', sha256: null, rowsRead: rows.length }, `${AWS_CE_SOURCE}:${billingAccount}`);
    const note = [
      `Cost Explorer ${p.start}..${p.end} (End exclusive)${p.partial ? ', month in progress' : ''}`,
      `tag keys ${tagKeys.join(', ')}`,
      `${stats.requests} API requests`,
      ...(estimatedDays.size ? [`${estimatedDays.size} days estimated by AWS`] : []),
      ...(rows.length === 0 ? ['no cost returned; earlier pulls of this period were left as they were'] : []),
    ].join('; ');
    await appendImportNote(store, result.importId, note);
    await dropLineItemStage(store);
    await store.run('DROP TABLE IF EXISTS ce_raw');
    await store.run('DROP TABLE IF EXISTS ce_queried');
    return { result: { ...result, note: [result.note, note].filter(Boolean).join('; ') }, estimatedRows: Number(counts.estimated), remainderRows: Number(counts.remainder) };
  });

  const warnings: string[] = [];
  if (estimatedDays.size) warnings.push(`${estimatedDays.size} day${estimatedDays.size === 1 ? ' is' : 's are'} estimated by AWS and may change`);
  if (p.partial) warnings.push(`${p.period} is the current month: pulled up to ${p.end} (exclusive); pull again after the month closes`);
  if (rows.length === 0) warnings.push(`Cost Explorer returned no cost for ${p.period}; earlier pulls of this period (if any) were left as they were`);
  if (committed.remainderRows) {
    warnings.push(`${committed.remainderRows} untagged rows hold the difference between the per-tag-key queries (see extra.x_TagRemainder)`);
  }

  return {
    ...committed.result,
    source: AWS_CE_SOURCE,
    file,
    period: p.period,
    billingAccount,
    timePeriod: { start: p.start, end: p.end },
    partial: p.partial,
    accounts: new Set(queried.map((q) => q.account)).size,
    tagKeys,
    requests: stats.requests,
    httpRequests: stats.httpRequests,
    requestCostUsd: centsToUsd(stats.requests),
    restarts: stats.restarts,
    estimatedDays: estimatedDays.size,
    estimatedRows: committed.estimatedRows,
    remainderRows: committed.remainderRows,
    warnings,
  };
}

const isZero = (amount: string) => /^-?0*(\.0*)?$/.test(amount);

/** n × $0.01 as "0.09", "1.20": exact, no floats. */
function centsToUsd(n: number): string {
  const s = String(n).padStart(3, '0');
  return `${s.slice(0, -2)}.${s.slice(-2)}`;
}

/** Rows per INSERT: the rows travel as one JSON parameter. */
const CHUNK = 20_000;

/**
 * Fills stage_line_items from the raw groups. Amounts stay decimal strings
 * until DuckDB casts them to DECIMAL(38,12). With several tag keys, each
 * level's untagged cost is replaced by the next level's rows, and any
 * difference between the two (which should be none) becomes one untagged
 * `x_TagRemainder` row, so the import's total is always the first query's.
 */
async function stageRows(
  store: Store,
  rows: CeRawRow[],
  queried: { account: string; level: number }[],
  b: { billingAccount: string; monthStart: string; monthEnd: string; tagKeys: string[] },
): Promise<void> {
  await store.run(sql('raw-tables'));
  for (let i = 0; i < rows.length; i += CHUNK) {
    const chunk = rows.slice(i, i + CHUNK).map((r, j) => ({
      seq: i + j + 1, account: r.account, account_name: r.accountName, service: r.service, day: r.day, day_end: r.dayEnd,
      currency: r.currency, amortized: r.amortized, unblended: r.unblended, level: r.level, tag_key: r.tagKey,
      tag_value: r.tagValue, estimated: r.estimated,
    }));
    await store.run(sql('raw-insert'), [JSON.stringify(chunk)]);
  }
  if (queried.length) {
    await store.run(sql('queried-insert'), [JSON.stringify(queried)]);
  }
  await store.run(sql('stage'), [b.billingAccount, b.monthStart, b.monthEnd, JSON.stringify(b.tagKeys)]);
}
