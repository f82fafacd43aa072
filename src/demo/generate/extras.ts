// Commitment fees, unused commitment, the RDS reservation purchase, credits, tax;
// and what writing a provider-month's file needs from them (shared columns, day chunks).

import type { DuckDBConnection } from '@duckdb/node-api';
import { focusSelect, type FocusColumn } from '../focus.ts';
import type { Org } from '../org.ts';
import { all, lit } from './sql.ts';
import { CREDIT_RATE, RI_RATE, TAX_RATE } from './terms.ts';

// Line items per in-memory sort when writing FOCUS files.
const ROWS_PER_SORT = 600_000;

export async function buildExtras(conn: DuckDBConnection, org: Org, currency: string): Promise<void> {
  // One pass over all line items: what the fees, credits and taxes are computed from.
  await conn.run(`CREATE TABLE agg AS
    SELECT provider, sub_account_id, m, day_start, count(*) AS n, sum(billed) AS billed, sum(effective) AS effective, sum(list_cost) AS list,
      sum(CASE WHEN cover = 'sp' THEN effective ELSE 0 END) AS sp_used
    FROM li_cost GROUP BY ALL`);

  const common = (provider: string) => ({
    BillingAccountId: `(SELECT bill_id FROM p_providers WHERE provider = ${lit(provider)})`,
    BillingAccountName: `(SELECT bill_name FROM p_providers WHERE provider = ${lit(provider)})`,
    BillingCurrency: lit(currency),
    BillingPeriodEnd: 'mo.mnext',
    BillingPeriodStart: 'mo.mstart',
    InvoiceIssuerName: `(SELECT issuer FROM p_providers WHERE provider = ${lit(provider)})`,
    PublisherName: `(SELECT publisher FROM p_providers WHERE provider = ${lit(provider)})`,
    ProviderName: lit(provider),
  });
  const sp = {
    ...common('AWS'),
    CommitmentDiscountCategory: "'Spend'",
    CommitmentDiscountId: 'k.sp_id',
    CommitmentDiscountName: "'Compute Savings Plan (1 year, No Upfront)'",
    CommitmentDiscountType: "'Savings Plan'",
    ServiceName: "'Savings Plans for AWS Compute usage'",
    ServiceCategory: "'Compute'",
    ResourceId: 'k.sp_id',
    ResourceType: "'savingsplan'",
    SubAccountId: 'k.owner_acct',
    SubAccountName: 'k.owner_name',
    ChargePeriodStart: 'd.day_start',
    ChargePeriodEnd: 'd.day_start + INTERVAL 1 DAY',
  };

  // The Savings Plan's hourly commitment, set each month just above the busiest day.
  await conn.run(`CREATE TABLE sp_month AS
    SELECT m, (ceil(max(used)::DOUBLE / 24 / 0.97 * 100) / 100)::DECIMAL(38,10) AS hourly
    FROM (SELECT m, day_start, sum(sp_used) AS used FROM agg WHERE provider = 'AWS' GROUP BY ALL)
    GROUP BY m HAVING max(used) > 0`);
  await conn.run(`CREATE TABLE li_extra AS SELECT
  ${focusSelect({
    ...sp,
    BilledCost: 'sm.hourly * 24',
    ChargeCategory: "'Purchase'",
    ChargeDescription: "'Savings Plan recurring fee: 1 year No Upfront Compute Savings Plan, ' || sm.hourly::DECIMAL(18,2) || ' ' || " + lit(currency) + " || ' per hour'",
    ChargeFrequency: "'Recurring'",
    ContractedCost: 'sm.hourly * 24',
    ContractedUnitPrice: 'sm.hourly',
    EffectiveCost: '0',
    ListCost: 'sm.hourly * 24',
    ListUnitPrice: 'sm.hourly',
    PricingCategory: "'Standard'",
    PricingQuantity: '24',
    PricingUnit: "'Hours'",
    SkuId: "'ComputeSP:1yrNoUpfront'",
  }, { _m: 'd.m', _src: '10', _k1: 'k.owner_a', _j: '0' })}
  FROM sp_month sm JOIN p_days d USING (m) JOIN p_months mo USING (m) CROSS JOIN p_commit k`);

  // Unused commitment: the part of each day's fee no usage consumed (EffectiveCost only).
  await conn.run(`INSERT INTO li_extra SELECT
  ${focusSelect({
    ...sp,
    BilledCost: '0',
    ChargeCategory: "'Usage'",
    ChargeDescription: "'Unused Savings Plan commitment'",
    ChargeFrequency: "'Usage-Based'",
    CommitmentDiscountStatus: "'Unused'",
    ContractedCost: '0',
    EffectiveCost: 'sm.hourly * 24 - coalesce(u.used, 0)',
    ListCost: '0',
    PricingCategory: "'Committed'",
    SkuId: "'ComputeSP:1yrNoUpfront'",
  }, { _m: 'd.m', _src: '11', _k1: 'k.owner_a', _j: '0' })}
  FROM sp_month sm JOIN p_days d USING (m) JOIN p_months mo USING (m) CROSS JOIN p_commit k
  LEFT JOIN (SELECT day_start, sum(sp_used) AS used FROM agg WHERE provider = 'AWS' GROUP BY ALL) u ON u.day_start = d.day_start
  WHERE sm.hourly * 24 - coalesce(u.used, 0) > 0`);

  // The RDS reservation: bought all-upfront on the first day of the history.
  await conn.run(`INSERT INTO li_extra SELECT
  ${focusSelect({
    ...common('AWS'),
    BilledCost: 'ri.upfront',
    ChargeCategory: "'Purchase'",
    ChargeDescription: "'RDS reserved instances: ' || ri.n || ' x db.r6g.xlarge PostgreSQL in eu-west-1, 1 year All Upfront'",
    ChargeFrequency: "'One-Time'",
    ChargePeriodStart: 'mo.mstart',
    ChargePeriodEnd: 'mo.mstart + INTERVAL 1 DAY',
    CommitmentDiscountCategory: "'Usage'",
    CommitmentDiscountId: 'k.ri_id',
    CommitmentDiscountName: "'RDS db.r6g.xlarge reservation (1 year, All Upfront)'",
    CommitmentDiscountType: "'Reserved Instance'",
    ContractedCost: 'ri.upfront',
    ContractedUnitPrice: 'ri.unit_price',
    EffectiveCost: '0',
    ListCost: 'ri.upfront',
    ListUnitPrice: 'ri.unit_price',
    PricingCategory: "'Standard'",
    PricingQuantity: 'ri.n',
    PricingUnit: "'Reservations'",
    RegionId: "'eu-west-1'",
    RegionName: "'Europe (Ireland)'",
    ResourceId: 'k.ri_id',
    ResourceType: "'reserved-instance'",
    ServiceCategory: "'Databases'",
    ServiceName: "'Amazon Relational Database Service'",
    SkuId: "'RDS:RI-AllUpfront'",
    SubAccountId: 'k.owner_acct',
    SubAccountName: 'k.owner_name',
  }, { _m: '0', _src: '12', _k1: 'k.owner_a', _j: '0' })}
  FROM (SELECT count(*) AS n, any_value(price * ${RI_RATE} * 8760) AS unit_price, sum(price * ${RI_RATE} * 8760) AS upfront
        FROM res_sku WHERE cover = 'ri' AND m = 0 HAVING count(*) > 0) ri
  CROSS JOIN p_commit k JOIN p_months mo ON mo.m = 0`);

  // A monthly migration credit on one team's account (negative Billed and Effective).
  if (org.creditAccount) {
    await conn.run(`INSERT INTO li_extra SELECT
    ${focusSelect({
      ...common('AWS'),
      BilledCost: 'cr.amount',
      ChargeCategory: "'Credit'",
      ChargeDescription: "'AWS Migration Acceleration Program credit'",
      ChargeFrequency: "'One-Time'",
      ChargePeriodStart: 'mo.mstart',
      ChargePeriodEnd: 'mo.mnext',
      ContractedCost: 'cr.amount',
      EffectiveCost: 'cr.amount',
      ListCost: 'cr.amount',
      PricingCategory: "'Other'",
      ServiceCategory: "'Compute'",
      ServiceName: "'Amazon Elastic Compute Cloud'",
      SubAccountId: 'a.sub_account_id',
      SubAccountName: 'a.sub_account_name',
    }, { _m: 'cr.m', _src: '13', _k1: 'a.a', _j: '0' })}
    FROM (SELECT m, -round(sum(billed) * ${CREDIT_RATE}, 2) AS amount FROM agg
          WHERE provider = 'AWS' AND sub_account_id = (SELECT credit_acct FROM p_commit) GROUP BY m HAVING sum(billed) > 0) cr
    JOIN p_months mo USING (m) JOIN p_accounts a ON a.sub_account_id = (SELECT credit_acct FROM p_commit)`);
  }

  // Sales tax on each account's month, after fees and credits.
  for (const provider of ['AWS', 'Google Cloud'] as const) {
    await conn.run(`INSERT INTO li_extra SELECT
    ${focusSelect({
      ...common(provider),
      BilledCost: 'tx.amount',
      ChargeCategory: "'Tax'",
      ChargeDescription: `'Sales tax (' || ${lit(String(Number(TAX_RATE) * 100))} || '%)'`,
      ChargeFrequency: "'Recurring'",
      ChargePeriodStart: 'mo.mstart',
      ChargePeriodEnd: 'mo.mnext',
      ContractedCost: 'tx.amount',
      EffectiveCost: 'tx.amount',
      ListCost: 'tx.amount',
      ServiceCategory: "'Other'",
      ServiceName: provider === 'AWS' ? "'Tax'" : "'Invoice'",
      SkuId: provider === 'AWS' ? 'NULL' : "'Tax'",
      SubAccountId: 'a.sub_account_id',
      SubAccountName: 'a.sub_account_name',
    }, { _m: 'tx.m', _src: '14', _k1: 'a.a', _j: '0' })}
    FROM (SELECT sub_account_id, m, round(sum(billed) * ${TAX_RATE}, 2) AS amount FROM (
            SELECT sub_account_id, m, billed FROM agg WHERE provider = ${lit(provider)}
            UNION ALL SELECT SubAccountId, _m, BilledCost FROM li_extra WHERE ProviderName = ${lit(provider)})
          GROUP BY ALL HAVING sum(billed) > 0) tx
    JOIN p_months mo USING (m) JOIN p_accounts a ON a.sub_account_id = tx.sub_account_id AND a.provider = ${lit(provider)}`);
  }
}

/** SQL literals for the columns every row of a provider-month file shares. */
export async function fileConstants(conn: DuckDBConnection, provider: string, m: number, currency: string): Promise<Partial<Record<FocusColumn, string>>> {
  const r = (await all(conn, `SELECT bill_id, bill_name, issuer, publisher, strftime(mstart, '%Y-%m-%d %H:%M:%S') AS s, strftime(mnext, '%Y-%m-%d %H:%M:%S') AS e
    FROM p_providers, p_months WHERE provider = ${lit(provider)} AND m = ${m}`))[0]!;
  return {
    BillingAccountId: lit(r.bill_id), BillingAccountName: lit(r.bill_name), BillingCurrency: lit(currency),
    BillingPeriodEnd: `TIMESTAMP ${lit(r.e)}`, BillingPeriodStart: `TIMESTAMP ${lit(r.s)}`,
    InvoiceIssuerName: lit(r.issuer), ProviderName: lit(provider), PublisherName: lit(r.publisher),
  };
}

/** [from, to) day ranges of one provider-month holding about ROWS_PER_SORT line items each. */
export async function dayChunks(conn: DuckDBConnection, provider: string, m: number): Promise<[string, string][]> {
  const days = (await all(conn, `
    SELECT strftime(d.day_start, '%Y-%m-%d') AS day, coalesce(sum(a.n), 0)::BIGINT::VARCHAR AS n
    FROM p_days d LEFT JOIN agg a ON a.day_start = d.day_start AND a.provider = ${lit(provider)}
    WHERE d.m = ${m} GROUP BY ALL ORDER BY day`)) as { day: string; n: string }[];
  const next = (await all(conn, `SELECT strftime(mnext, '%Y-%m-%d') AS d FROM p_months WHERE m = ${m}`))[0]!.d as string;
  const chunks: [string, string][] = [];
  let start = days[0]!.day;
  let rows = 0;
  days.forEach((d, i) => {
    rows += Number(d.n);
    const end = days[i + 1]?.day ?? next;
    if (rows >= ROWS_PER_SORT || end === next) {
      chunks.push([start, end]);
      start = end;
      rows = 0;
    }
  });
  return chunks;
}
