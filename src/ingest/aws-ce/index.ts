import type { CostExplorerClient } from '@aws-sdk/client-cost-explorer';
import type { Progress } from '../../util/progress.ts';
import type { LoadedConfig } from '../../config/load.ts';
import type { Config } from '../../config/schema.ts';
import type { Store } from '../../store/db.ts';
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
    const counts = (await store.one<{ estimated: string; remainder: string }>(
      `SELECT count(*) FILTER (WHERE extra->>'x_Estimated' = 'true') AS estimated,
              count(*) FILTER (WHERE extra->>'x_TagRemainder' IS NOT NULL) AS remainder FROM stage_line_items`,
    ))!;
    const result = await commitPull(store, { source: AWS_CE_SOURCE, file, format: 'api', sha256: null, rowsRead: rows.length }, `${AWS_CE_SOURCE}:${billingAccount}`);
    const note = [
      `Cost Explorer ${p.start}..${p.end} (End exclusive)${p.partial ? ', month in progress' : ''}`,
      `tag keys ${tagKeys.join(', ')}`,
      `${stats.requests} API requests`,
      ...(estimatedDays.size ? [`${estimatedDays.size} days estimated by AWS`] : []),
      ...(rows.length === 0 ? ['no cost returned; earlier pulls of this period were left as they were'] : []),
    ].join('; ');
    await store.run(`UPDATE imports SET note = concat_ws('; ', note, $2) WHERE import_id = $1`, [result.importId, note]);
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

const RAW_STRUCT = JSON.stringify([
  {
    seq: 'BIGINT', account: 'VARCHAR', account_name: 'VARCHAR', service: 'VARCHAR', day: 'VARCHAR', day_end: 'VARCHAR',
    currency: 'VARCHAR', amortized: 'VARCHAR', unblended: 'VARCHAR', level: 'INTEGER', tag_key: 'VARCHAR',
    tag_value: 'VARCHAR', estimated: 'BOOLEAN',
  },
]);

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
  await store.run(`CREATE OR REPLACE TEMP TABLE ce_raw (
    seq BIGINT, account VARCHAR, account_name VARCHAR, service VARCHAR, day DATE, day_end DATE, currency VARCHAR,
    amortized DECIMAL(38,12), unblended DECIMAL(38,12), level INTEGER, tag_key VARCHAR, tag_value VARCHAR, estimated BOOLEAN)`);
  await store.run('CREATE OR REPLACE TEMP TABLE ce_queried (account VARCHAR, level INTEGER)');
  for (let i = 0; i < rows.length; i += CHUNK) {
    const chunk = rows.slice(i, i + CHUNK).map((r, j) => ({
      seq: i + j + 1, account: r.account, account_name: r.accountName, service: r.service, day: r.day, day_end: r.dayEnd,
      currency: r.currency, amortized: r.amortized, unblended: r.unblended, level: r.level, tag_key: r.tagKey,
      tag_value: r.tagValue, estimated: r.estimated,
    }));
    await store.run(
      `INSERT INTO ce_raw
       SELECT seq, account, account_name, service, day::DATE, day_end::DATE, currency, amortized::DECIMAL(38,12),
              unblended::DECIMAL(38,12), level, tag_key, tag_value, estimated
       FROM (SELECT unnest(from_json($1::JSON, '${RAW_STRUCT}'), recursive := true))`,
      [JSON.stringify(chunk)],
    );
  }
  if (queried.length) {
    await store.run(
      `INSERT INTO ce_queried SELECT unnest(from_json($1::JSON, '[{"account":"VARCHAR","level":"INTEGER"}]'), recursive := true)`,
      [JSON.stringify(queried)],
    );
  }
  await store.run(
    `INSERT INTO stage_line_items BY NAME
     WITH next_level AS (
       -- per account and level i: the level i+1 query exists
       SELECT account, level - 1 AS level FROM ce_queried WHERE level > 0
     ),
     kept AS (
       SELECT r.*, 0 AS part FROM ce_raw r
       WHERE r.tag_value IS NOT NULL
          OR NOT EXISTS (SELECT 1 FROM next_level n WHERE n.account = r.account AND n.level = r.level)
     ),
     untagged AS (
       SELECT r.account, r.level, r.service, r.day, r.day_end, r.currency,
              any_value(r.account_name) AS account_name, sum(r.amortized) AS amortized, sum(r.unblended) AS unblended,
              bool_or(r.estimated) AS estimated
       FROM ce_raw r JOIN next_level n ON n.account = r.account AND n.level = r.level
       WHERE r.tag_value IS NULL
       GROUP BY r.account, r.level, r.service, r.day, r.day_end, r.currency
     ),
     below AS (
       SELECT r.account, r.level - 1 AS level, r.service, r.day, r.day_end, r.currency,
              any_value(r.account_name) AS account_name, sum(r.amortized) AS amortized, sum(r.unblended) AS unblended,
              bool_or(r.estimated) AS estimated
       FROM ce_raw r WHERE r.level > 0
       GROUP BY r.account, r.level, r.service, r.day, r.day_end, r.currency
     ),
     remainder AS (
       SELECT NULL::BIGINT AS seq, coalesce(u.account, d.account) AS account, coalesce(u.account_name, d.account_name) AS account_name,
              coalesce(u.service, d.service) AS service, coalesce(u.day, d.day) AS day, coalesce(u.day_end, d.day_end) AS day_end,
              coalesce(u.currency, d.currency) AS currency,
              coalesce(u.amortized, 0) - coalesce(d.amortized, 0) AS amortized,
              coalesce(u.unblended, 0) - coalesce(d.unblended, 0) AS unblended,
              coalesce(u.level, d.level) AS level, NULL::VARCHAR AS tag_key, NULL::VARCHAR AS tag_value,
              coalesce(u.estimated, false) OR coalesce(d.estimated, false) AS estimated, 1 AS part
       FROM untagged u
       FULL OUTER JOIN below d
         ON d.account = u.account AND d.level = u.level AND d.service = u.service AND d.day = u.day
        AND d.day_end = u.day_end AND d.currency = u.currency
     ),
     final AS (
       SELECT * FROM kept
       UNION ALL BY NAME
       SELECT * FROM remainder WHERE amortized <> 0 OR unblended <> 0
     )
     SELECT row_number() OVER (ORDER BY part, seq, account, day, service, currency) AS source_line,
            $1 AS billing_account_id,
            $2::TIMESTAMP AS billing_period_start,
            $3::TIMESTAMP AS billing_period_end,
            day::TIMESTAMP AS charge_period_start,
            day_end::TIMESTAMP AS charge_period_end,
            currency AS billing_currency,
            unblended AS billed_cost,
            amortized AS effective_cost,
            unblended AS list_cost,
            CASE WHEN service = 'Tax' THEN 'Tax' ELSE 'Usage' END AS charge_category,
            'AWS' AS provider_name,
            account AS sub_account_id,
            account_name AS sub_account_name,
            service AS service_name,
            CASE WHEN tag_value IS NULL THEN MAP {}::MAP(VARCHAR, VARCHAR) ELSE MAP([tag_key], [tag_value]) END AS tags,
            CASE
              WHEN part = 1 AND estimated THEN json_object('x_TagRemainder', remainder_note, 'x_Estimated', 'true')
              WHEN part = 1 THEN json_object('x_TagRemainder', remainder_note)
              WHEN estimated THEN json_object('x_Estimated', 'true')
            END AS extra
     FROM (SELECT *, 'cost without tag ' || list_extract(keys, level + 1) || ' that the ' || list_extract(keys, level + 2)
                     || ' query did not return' AS remainder_note
           FROM final, (SELECT from_json($4::JSON, '["VARCHAR"]') AS keys))`,
    [b.billingAccount, b.monthStart, b.monthEnd, JSON.stringify(b.tagKeys)],
  );
}
