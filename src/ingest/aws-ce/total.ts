import { GetCostAndUsageCommand, type CostExplorerClient } from '@aws-sdk/client-cost-explorer';
import type { Store } from '../../store/db.ts';
import { sqlFolder } from '../../store/sql.ts';
import { UsageError } from '../../util/errors.ts';
import { createCostExplorerClient, describeCeError, malformed, type CeClientOptions } from './client.ts';
import { recordControlTotals } from '../invoices/index.ts';
import { cePeriod } from './period.ts';

const sql = sqlFolder(new URL('./sql/', import.meta.url));

/*
 * `allot tieout aws-ce --period P`: Cost Explorer's unblended total of a
 * month, recorded as a control total for the tie-out. Asked with the payer
 * account's credentials and no grouping, it is the month's bill of the
 * whole organisation (tax, credits and refunds included), computed by AWS
 * independently of any export Allot imported.
 */

export interface CeTotalResult {
  period: string;
  billingAccount: string;
  currency: string;
  amount: string;
  /** AWS marks the month estimated until it is final. */
  estimated: boolean;
  /** The month is still running: the total is to date. */
  partial: boolean;
  /** Earlier totals of the same account and month this replaced. */
  replaced: number;
}

export interface CeTotalOptions {
  period: string;
  /** The payer account the total is recorded for: the BillingAccountId of its line items. */
  billingAccount: string;
  client?: CostExplorerClient;
  clientOptions?: CeClientOptions;
  now?: () => Date;
}

export async function pullCostExplorerTotal(store: Store, opts: CeTotalOptions): Promise<CeTotalResult> {
  const now = opts.now ?? (() => new Date());
  const p = cePeriod(opts.period, now());
  if (!opts.billingAccount) throw new UsageError('--billing-account is needed: the payer account whose total this is');
  const client = opts.client ?? createCostExplorerClient(opts.clientOptions);
  let out;
  try {
    out = await client.send(
      new GetCostAndUsageCommand({ TimePeriod: { Start: p.start, End: p.end }, Granularity: 'MONTHLY', Metrics: ['UnblendedCost'] }),
    );
  } catch (e) {
    throw describeCeError('GetCostAndUsage', `${p.period} total`, e);
  } finally {
    if (!opts.client) client.destroy();
  }
  const results = out.ResultsByTime ?? [];
  const totals = results.map((r) => r.Total?.UnblendedCost);
  if (!results.length || totals.some((t) => typeof t?.Amount !== 'string' || !/^-?\d+(\.\d+)?(E-?\d+)?$/i.test(t.Amount))) {
    throw malformed('GetCostAndUsage', `${p.period} total`, 'no Total.UnblendedCost.Amount');
  }
  const units = new Set(totals.map((t) => t!.Unit ?? 'USD'));
  if (units.size !== 1) throw malformed('GetCostAndUsage', `${p.period} total`, `several currencies: ${[...units].join(', ')}`);
  const currency = [...units][0]!;
  return store.transaction(async () => {
    // Exact: DuckDB adds the decimal strings (one per month; the query spans one).
    const sum = (await store.one<{ s: string }>(sql('total-sum'), [JSON.stringify(totals.map((t) => t!.Amount!))]))!.s;
    const replaced = await recordControlTotals(
      store,
      'aws-ce',
      [
        {
          provider: 'AWS', billing_account_id: opts.billingAccount, billing_period: p.period, currency, invoice_id: '', amount: sum,
          file: `aws-ce:GetCostAndUsage ${p.start}..${p.end}`, line: null,
        },
      ],
      now().toISOString(),
    );
    return {
      period: p.period,
      billingAccount: opts.billingAccount,
      currency,
      amount: sum,
      estimated: results.some((r) => r.Estimated === true),
      partial: p.partial,
      replaced,
    };
  });
}
