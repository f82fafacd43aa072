// A month of the demo organisation's AWS bill as one CUR 2.0 (Data Exports)
// Parquet file, at any size: what `allot ingest aws-cur` reads from AWS.
//
// The CUR 2.0 layout: snake_case line_item_*, bill_*, pricing_*, product_*,
// reservation_*, savings_plan_* columns; money as DOUBLE, rates as text,
// timestamps as TIMESTAMP, account ids as text; resource_tags, product,
// cost_category and discount as MAP columns (tag keys `user_team`, `user_env`).
//
// Every row is generated inside DuckDB from range() and hash(seed, keys), as
// in generator.ts: no per-row JavaScript. The same seed, period and size give
// the same rows with the same ids and ARNs. Amounts are DECIMAL(38,10) until
// they are written; each has at most 15 significant digits, so the DOUBLE in
// the file reads back, through its shortest text, as exactly that decimal: the
// totals returned, summed from the file that way, are exact.

import { mkdirSync, rmSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { addMonths, parsePeriod } from '../util/period.ts';
import { awsSkuId, KINDS, WORDS } from './catalog.ts';
import { buildOrg, type OrgSize } from './org.ts';
import { generatorDb } from './generate/sql.ts';

export interface Cur2Options {
  seed: number;
  /** 'YYYY-MM': the billing period. */
  period: string;
  /** Rows in the file (at least 1,000). */
  rows: number;
  /** The organisation whose AWS accounts and teams appear (default: 300 teams, 40 AWS accounts, the benchmark's). */
  teams?: number;
  awsAccounts?: number;
  currency?: string;
  /** DuckDB memory_limit while generating (default 900MB); spills next to the file. */
  memoryLimit?: string;
}

export interface Cur2File {
  file: string;
  rows: number;
  period: string;
  payerAccountId: string;
  currency: string;
  /** Σ line_item_unblended_cost, exact. */
  unblended: string;
  /** Σ of each row's amortised cost (what EffectiveCost should add up to), exact. */
  amortised: string;
  /** Rows per line_item_line_item_type. */
  types: Record<string, number>;
}

const PAYER = { id: '210987654321', name: 'Acme Corp' };
const SP_RATE = '0.72'; // Savings Plan rate, as a share of the on-demand price
const RI_RATE = '0.60'; // reservation rate, as a share of the on-demand price
const RI_UNUSED = '0.03'; // the share of the reservation's recurring fee nobody used
const SP_UTILISATION = '0.97'; // the Savings Plan's commitment is set just above its use
const TAX_RATE = '0.06';
const CREDIT_RATE = '0.05';
// CUR usage types carry a region prefix (none for us-east-1).
const USAGE_PREFIX: Record<string, string> = { 'us-east-1': '', 'eu-west-1': 'EU-' };
const PRODUCT_CODES: Record<string, string> = {
  'Amazon Elastic Compute Cloud': 'AmazonEC2', 'Amazon Simple Storage Service': 'AmazonS3', 'Amazon Relational Database Service': 'AmazonRDS',
  'Amazon DynamoDB': 'AmazonDynamoDB', 'AWS Lambda': 'AWSLambda', 'Elastic Load Balancing': 'AWSELB', 'Amazon CloudFront': 'AmazonCloudFront',
  AmazonCloudWatch: 'AmazonCloudWatch', 'Amazon ElastiCache': 'AmazonElastiCache', 'Amazon Simple Queue Service': 'AWSQueueService',
  'Amazon Virtual Private Cloud': 'AmazonVPC', 'Amazon EC2 Container Registry (ECR)': 'AmazonECR', 'Amazon GuardDuty': 'AmazonGuardDuty',
  'AWS Security Hub': 'AWSSecurityHub', 'AWS CloudTrail': 'AWSCloudTrail', 'AWS Key Management Service': 'awskms',
};

/** The columns of the file, in CUR 2.0's (alphabetical) order, with their types; `expr` is over the generated rows `c`. */
const COLUMNS: [string, string, string][] = [
  ['bill_bill_type', 'VARCHAR', "'Anniversary'"],
  ['bill_billing_entity', 'VARCHAR', "'AWS'"],
  ['bill_billing_period_end_date', 'TIMESTAMP', 'c.mnext'],
  ['bill_billing_period_start_date', 'TIMESTAMP', 'c.mstart'],
  ['bill_invoice_id', 'VARCHAR', 'c.invoice_id'],
  ['bill_invoicing_entity', 'VARCHAR', "'Amazon Web Services, Inc.'"],
  ['bill_payer_account_id', 'VARCHAR', `'${PAYER.id}'`],
  ['bill_payer_account_name', 'VARCHAR', `'${PAYER.name}'`],
  ['cost_category', 'MAP(VARCHAR, VARCHAR)', 'MAP {}::MAP(VARCHAR, VARCHAR)'],
  ['discount', 'MAP(VARCHAR, DOUBLE)', 'MAP {}::MAP(VARCHAR, DOUBLE)'],
  ['discount_bundled_discount', 'DOUBLE', 'NULL'],
  ['discount_total_discount', 'DOUBLE', 'NULL'],
  ['identity_line_item_id', 'VARCHAR', 'c.line_item_id'],
  ['identity_time_interval', 'VARCHAR', "strftime(c.usage_start, '%Y-%m-%dT%H:%M:%SZ') || '/' || strftime(c.usage_end, '%Y-%m-%dT%H:%M:%SZ')"],
  ['line_item_availability_zone', 'VARCHAR', 'c.zone'],
  ['line_item_blended_cost', 'DOUBLE', 'c.unblended'],
  ['line_item_blended_rate', 'VARCHAR', 'c.rate_text'],
  ['line_item_currency_code', 'VARCHAR', 'c.currency'],
  ['line_item_legal_entity', 'VARCHAR', "'Amazon Web Services, Inc.'"],
  ['line_item_line_item_description', 'VARCHAR', 'c.descr'],
  ['line_item_line_item_type', 'VARCHAR', 'c.li_type'],
  ['line_item_net_unblended_cost', 'DOUBLE', 'NULL'],
  ['line_item_net_unblended_rate', 'VARCHAR', 'NULL'],
  ['line_item_normalization_factor', 'DOUBLE', 'NULL'],
  ['line_item_normalized_usage_amount', 'DOUBLE', 'NULL'],
  ['line_item_operation', 'VARCHAR', 'c.operation'],
  ['line_item_product_code', 'VARCHAR', 'c.product_code'],
  ['line_item_resource_id', 'VARCHAR', 'c.resource_id'],
  ['line_item_tax_type', 'VARCHAR', "CASE WHEN c.li_type = 'Tax' THEN 'Sales Tax' END"],
  ['line_item_unblended_cost', 'DOUBLE', 'c.unblended'],
  ['line_item_unblended_rate', 'VARCHAR', 'c.rate_text'],
  ['line_item_usage_account_id', 'VARCHAR', 'c.acct_id'],
  ['line_item_usage_account_name', 'VARCHAR', 'c.acct_name'],
  ['line_item_usage_amount', 'DOUBLE', 'c.qty'],
  ['line_item_usage_end_date', 'TIMESTAMP', 'c.usage_end'],
  ['line_item_usage_start_date', 'TIMESTAMP', 'c.usage_start'],
  ['line_item_usage_type', 'VARCHAR', 'c.usage_type'],
  ['pricing_currency', 'VARCHAR', 'c.currency'],
  ['pricing_lease_contract_length', 'VARCHAR', "CASE WHEN c.cover = 'ri' OR c.li_type = 'RIFee' THEN '1yr' END"],
  ['pricing_offering_class', 'VARCHAR', "CASE WHEN c.cover = 'ri' OR c.li_type = 'RIFee' THEN 'standard' END"],
  ['pricing_public_on_demand_cost', 'DOUBLE', 'c.od_cost'],
  ['pricing_public_on_demand_rate', 'VARCHAR', 'c.rate_text'],
  ['pricing_purchase_option', 'VARCHAR', "CASE WHEN c.cover = 'ri' OR c.li_type = 'RIFee' THEN 'No Upfront' END"],
  ['pricing_rate_code', 'VARCHAR', 'c.rate_code'],
  ['pricing_rate_id', 'VARCHAR', 'c.rate_id'],
  ['pricing_term', 'VARCHAR', "CASE WHEN c.cover = 'ri' OR c.li_type = 'RIFee' THEN 'Reserved' WHEN c.li_type IN ('Usage', 'SavingsPlanCoveredUsage') THEN 'OnDemand' END"],
  ['pricing_unit', 'VARCHAR', 'c.unit'],
  ['product', 'MAP(VARCHAR, VARCHAR)', 'c.product_map'],
  ['product_comment', 'VARCHAR', 'NULL'],
  ['product_fee_code', 'VARCHAR', 'NULL'],
  ['product_fee_description', 'VARCHAR', 'NULL'],
  ['product_from_location', 'VARCHAR', 'NULL'],
  ['product_from_location_type', 'VARCHAR', 'NULL'],
  ['product_from_region_code', 'VARCHAR', 'NULL'],
  ['product_instance_family', 'VARCHAR', 'NULL'],
  ['product_instance_type', 'VARCHAR', 'c.instance_type'],
  ['product_instancesku', 'VARCHAR', 'NULL'],
  ['product_location', 'VARCHAR', 'c.region_name'],
  ['product_location_type', 'VARCHAR', "CASE WHEN c.region_id IS NOT NULL THEN 'AWS Region' END"],
  ['product_operation', 'VARCHAR', 'c.operation'],
  ['product_pricing_unit', 'VARCHAR', 'c.unit'],
  ['product_product_family', 'VARCHAR', 'c.family'],
  ['product_region_code', 'VARCHAR', 'c.region_id'],
  ['product_servicecode', 'VARCHAR', 'c.product_code'],
  ['product_sku', 'VARCHAR', 'c.sku_id'],
  ['product_to_location', 'VARCHAR', 'NULL'],
  ['product_to_location_type', 'VARCHAR', 'NULL'],
  ['product_to_region_code', 'VARCHAR', 'NULL'],
  ['product_usagetype', 'VARCHAR', 'c.usage_type'],
  ['reservation_amortized_upfront_cost_for_usage', 'DOUBLE', "CASE WHEN c.cover = 'ri' THEN 0 END"],
  ['reservation_amortized_upfront_fee_for_billing_period', 'DOUBLE', "CASE WHEN c.li_type = 'RIFee' THEN 0 END"],
  ['reservation_availability_zone', 'VARCHAR', 'NULL'],
  ['reservation_effective_cost', 'DOUBLE', 'c.ri_eff'],
  ['reservation_end_time', 'VARCHAR', "CASE WHEN c.cover = 'ri' OR c.li_type = 'RIFee' THEN c.commit_end END"],
  ['reservation_modification_status', 'VARCHAR', 'NULL'],
  ['reservation_normalized_units_per_reservation', 'VARCHAR', 'NULL'],
  ['reservation_number_of_reservations', 'VARCHAR', "CASE WHEN c.li_type = 'RIFee' THEN c.ri_count::VARCHAR END"],
  ['reservation_recurring_fee_for_usage', 'DOUBLE', 'c.ri_eff'],
  ['reservation_reservation_a_r_n', 'VARCHAR', "CASE WHEN c.cover = 'ri' OR c.li_type = 'RIFee' THEN c.ri_arn END"],
  ['reservation_start_time', 'VARCHAR', "CASE WHEN c.cover = 'ri' OR c.li_type = 'RIFee' THEN c.commit_start END"],
  ['reservation_subscription_id', 'VARCHAR', 'NULL'],
  ['reservation_total_reserved_normalized_units', 'VARCHAR', 'NULL'],
  ['reservation_total_reserved_units', 'VARCHAR', 'NULL'],
  ['reservation_units_per_reservation', 'VARCHAR', 'NULL'],
  ['reservation_unused_amortized_upfront_fee_for_billing_period', 'DOUBLE', "CASE WHEN c.li_type = 'RIFee' THEN 0 END"],
  ['reservation_unused_normalized_unit_quantity', 'DOUBLE', 'NULL'],
  ['reservation_unused_quantity', 'DOUBLE', 'NULL'],
  ['reservation_unused_recurring_fee', 'DOUBLE', 'c.ri_unused'],
  ['reservation_upfront_value', 'DOUBLE', 'NULL'],
  ['resource_tags', 'MAP(VARCHAR, VARCHAR)', 'c.tags'],
  ['savings_plan_amortized_upfront_commitment_for_billing_period', 'DOUBLE', "CASE WHEN c.li_type = 'SavingsPlanRecurringFee' THEN 0 END"],
  ['savings_plan_end_time', 'VARCHAR', "CASE WHEN c.sp_arn IS NOT NULL THEN c.commit_end END"],
  ['savings_plan_instance_type_family', 'VARCHAR', 'NULL'],
  ['savings_plan_offering_type', 'VARCHAR', "CASE WHEN c.sp_arn IS NOT NULL THEN 'ComputeSavingsPlans' END"],
  ['savings_plan_payment_option', 'VARCHAR', "CASE WHEN c.sp_arn IS NOT NULL THEN 'No Upfront' END"],
  ['savings_plan_purchase_term', 'VARCHAR', "CASE WHEN c.sp_arn IS NOT NULL THEN '1yr' END"],
  ['savings_plan_recurring_commitment_for_billing_period', 'DOUBLE', "CASE WHEN c.li_type = 'SavingsPlanRecurringFee' THEN c.sp_total END"],
  ['savings_plan_region', 'VARCHAR', 'NULL'],
  ['savings_plan_savings_plan_a_r_n', 'VARCHAR', 'c.sp_arn'],
  ['savings_plan_savings_plan_effective_cost', 'DOUBLE', 'c.sp_eff'],
  ['savings_plan_savings_plan_rate', 'DOUBLE', "CASE WHEN c.li_type = 'SavingsPlanCoveredUsage' THEN c.price * " + SP_RATE + ' END'],
  ['savings_plan_start_time', 'VARCHAR', "CASE WHEN c.sp_arn IS NOT NULL THEN c.commit_start END"],
  ['savings_plan_total_commitment_to_date', 'DOUBLE', 'c.sp_total'],
  ['savings_plan_used_commitment', 'DOUBLE', 'c.sp_used'],
];

/** The CUR 2.0 column names and types the generator writes, in order. */
export const CUR2_COLUMNS: readonly (readonly [string, string])[] = COLUMNS.map(([n, t]) => [n, t] as const);

/**
 * Writes one month of the demo organisation's AWS usage as a CUR 2.0 Parquet
 * file of exactly `rows` rows: usage lines (some covered by the Savings Plan,
 * each with its SavingsPlanNegation, some by the RDS reservation), and the
 * Savings Plan's daily fee, the reservation's monthly fee, a credit and each
 * account's tax.
 */
export async function generateCur2(file: string, opts: Cur2Options): Promise<Cur2File> {
  const { seed, period, rows } = opts;
  const currency = opts.currency ?? 'USD';
  if (!Number.isSafeInteger(seed)) throw new Error(`CUR seed must be an integer, got ${seed}`);
  if (!Number.isSafeInteger(rows) || rows < 1000) throw new Error(`CUR rows must be a whole number of at least 1000, got ${rows}`);
  if (!/^[A-Z]{3}$/.test(currency)) throw new Error(`CUR currency must be an ISO 4217 code, got "${currency}"`);
  parsePeriod(period, 'CUR period');
  const size: OrgSize = { teams: opts.teams ?? 300, awsAccounts: opts.awsAccounts ?? 40, gcpProjects: 10, lineItems: rows, clusters: 1, podsPerCluster: 1, months: 1 };
  const org = buildOrg(size);
  const out = resolve(file);
  mkdirSync(dirname(out), { recursive: true });
  const tmp = `${out}.tmp`;
  const { db, conn } = await generatorDb(tmp, opts.memoryLimit);
  try {
    await conn.run(`CREATE MACRO hh(a, b, s) AS hash(${seed}::BIGINT, a::BIGINT, b::BIGINT, s::VARCHAR)`);
    await conn.run('CREATE MACRO uu(a, b, s) AS (hh(a, b, s) >> 32)::DOUBLE / 4294967296.0');
    await conn.run("CREATE MACRO hx(a, b, s) AS printf('%016x', hh(a, b, s))");

    const aws = org.accounts.filter((a) => a.provider === 'AWS');
    await table(conn, 'p_acct', 'a INTEGER, acct_id VARCHAR, acct_name VARCHAR, role VARCHAR, owner VARCHAR, region_id VARCHAR, region_name VARCHAR, w INTEGER',
      aws.map((a, i) => [i, a.id, a.name, a.role, a.owner, a.region, a.regionName, Math.max(1, Math.round(a.weight * 10))]));
    await conn.run(`CREATE TABLE p_acct_slots AS SELECT unnest(range(lo::BIGINT, (lo + w)::BIGINT)) AS slot, a FROM (SELECT a, w, sum(w) OVER (ORDER BY a) - w AS lo FROM p_acct)`);
    await table(conn, 'p_teams', 't INTEGER, team_id VARCHAR', org.teams.map((t, i) => [i, t.id]));
    const skuRows: unknown[][] = [];
    const slotRows: unknown[][] = [];
    for (const k of KINDS.filter((x) => x.provider === 'AWS')) {
      for (const s of k.skus) {
        const i = skuRows.length;
        const instance = /^(?:BoxUsage|InstanceUsage|NodeUsage):(.+)$/.exec(s.key)?.[1] ?? null;
        skuRows.push([i, k.service, PRODUCT_CODES[k.service] ?? k.service.replace(/[^A-Za-z]/g, ''), k.category, k.rid, awsSkuId(`${k.key}/${s.key}`),
          s.key, s.description, s.unit, s.price, s.qty, s.lo, s.hi, s.commit ?? null, k.zonal ?? false, k.global ?? false, instance]);
        for (const [role, w] of Object.entries(k.roles)) slotRows.push([role, i, w]);
      }
    }
    await table(conn, 'p_sku', 's INTEGER, service VARCHAR, product_code VARCHAR, family VARCHAR, rid VARCHAR, sku_id VARCHAR, usage_key VARCHAR, descr VARCHAR, unit VARCHAR, price DECIMAL(18,10), mode VARCHAR, lo DOUBLE, hi DOUBLE, commit VARCHAR, zonal BOOLEAN, global BOOLEAN, instance_type VARCHAR', skuRows);
    await table(conn, 'p_sku_w', 'role VARCHAR, s INTEGER, w INTEGER', slotRows);
    await conn.run(`CREATE TABLE p_sku_slots AS SELECT role, unnest(range(lo::BIGINT, (lo + w)::BIGINT)) AS slot, s, total
      FROM (SELECT role, s, w, sum(w) OVER (PARTITION BY role ORDER BY s) - w AS lo, sum(w) OVER (PARTITION BY role) AS total FROM p_sku_w)`);
    await table(conn, 'p_words', 'words VARCHAR[]', [[WORDS]]);
    const mstart = `${period}-01 00:00:00`;
    const mnext = `${addMonths(period, 1)}-01 00:00:00`;
    const platform = aws.find((a) => a.role === 'platform')!;
    await conn.run(`CREATE TABLE p_month AS SELECT TIMESTAMP '${mstart}' AS mstart, TIMESTAMP '${mnext}' AS mnext,
      datediff('day', TIMESTAMP '${mstart}', TIMESTAMP '${mnext}')::INTEGER AS ndays, '${currency}' AS currency,
      'arn:aws:savingsplans::${platform.id}:savingsplan/' || hx(1, 0, 'sp') AS sp_arn,
      'arn:aws:rds:eu-west-1:${platform.id}:ri:acme-rds-' || substr(hx(2, 0, 'ri'), 1, 8) AS ri_arn,
      '${addMonths(period, -3)}-01T00:00:00.000Z' AS commit_start, '${addMonths(period, 9)}-01T00:00:00.000Z' AS commit_end,
      ${Number(period.slice(0, 4)) * 100 + Number(period.slice(5, 7))}::VARCHAR || '-' || substr(hx(3, 0, 'inv'), 1, 6) AS invoice_id`);

    const ndays = Number((await all(conn, 'SELECT ndays FROM p_month'))[0]!.ndays);
    // Fee rows numbered after the usage rows: the Savings Plan's daily fee, the reservation's monthly fee, a credit, each account's tax.
    const fees = ndays + 1 + (org.creditAccount ? 1 : 0) + aws.length;
    const usage = rows - fees;
    const perDay = Math.ceil(usage / ndays); // usage row n is line (n % perDay) on day n / perDay

    await buildLines(conn, org.teams.length, perDay, USAGE_PREFIX);
    await buildFees(conn, perDay, ndays, org.creditAccount);
    const lone = (col: string, instead: string) => `CASE WHEN n = ${usage - 1} AND x.li_type = 'SavingsPlanCoveredUsage' THEN ${instead} ELSE ${col} END`;
    await conn.run(`CREATE TABLE nums AS SELECT range AS n FROM range(${rows})`);
    // Every row: the line it repeats and its day; amounts as exact decimals.
    await conn.run(`CREATE VIEW cur_rows AS
      WITH r AS (
        -- The last usage row, if a covered line, would lose its negation to the fee rows: it is plain usage.
        SELECT n, x.* REPLACE (${lone('x.li_type', "'Usage'")} AS li_type, ${lone('x.cover', 'NULL')} AS cover, ${lone('x.sp_arn', 'NULL')} AS sp_arn),
          CASE WHEN x.fee THEN x.fee_day ELSE (n // ${perDay})::INTEGER END AS d
        FROM (SELECT n, CASE WHEN n < ${usage} THEN n % ${perDay} ELSE ${perDay} + n - ${usage} END AS k FROM nums) t JOIN lines x ON x.p = t.k
      ), q AS (
        SELECT r.*, mo.*,
          CASE WHEN fee THEN fee_qty ELSE round(CASE mode
            WHEN 'fixed' THEN level
            WHEN 'partial' THEN CASE WHEN auto THEN 8 + floor(17 * uu(qkey, d, 'hrs')) ELSE level END
            WHEN 'storage' THEN level / mo.ndays
            ELSE level * (0.75 + 0.5 * uu(qkey, d, 'noise')) * CASE WHEN dayofweek(mo.mstart + to_days(d)) IN (0, 6) THEN 0.8 ELSE 1 END
          END, 3)::DECIMAL(18,3) END AS qty_d,
          mo.mstart + to_days(d) AS day_start
        FROM r CROSS JOIN p_month mo
      ), c AS (
        SELECT q.*, (qty_d * price)::DECIMAL(38,10) AS od,
          CASE WHEN fee THEN fee_start ELSE day_start END AS usage_start,
          CASE WHEN fee THEN fee_end ELSE day_start + INTERVAL 1 DAY END AS usage_end
        FROM q
      )
      SELECT c.*,
        CASE li_type WHEN 'Usage' THEN od WHEN 'SavingsPlanCoveredUsage' THEN od WHEN 'SavingsPlanNegation' THEN -od
          WHEN 'DiscountedUsage' THEN 0::DECIMAL(38,10) ELSE fee_amount END AS unblended_d,
        CASE WHEN li_type IN ('Usage', 'SavingsPlanCoveredUsage', 'DiscountedUsage') THEN od END AS od_d,
        CASE WHEN li_type = 'SavingsPlanCoveredUsage' THEN (od * ${SP_RATE})::DECIMAL(38,10) END AS sp_eff_d,
        CASE WHEN li_type = 'DiscountedUsage' THEN (od * ${RI_RATE})::DECIMAL(38,10) END AS ri_eff_d,
        CASE li_type WHEN 'Usage' THEN od WHEN 'SavingsPlanCoveredUsage' THEN sp_eff_d WHEN 'SavingsPlanNegation' THEN 0::DECIMAL(38,10)
          WHEN 'DiscountedUsage' THEN ri_eff_d WHEN 'SavingsPlanRecurringFee' THEN fee_sp_total - fee_sp_used
          WHEN 'RIFee' THEN fee_ri_unused ELSE fee_amount END AS amortised_d,
        printf('%016x%016x', hh(n, 0, 'id'), hh(n, 1, 'id')) AS line_item_id,
        CASE WHEN fee THEN NULL ELSE rtrim(rtrim(price::VARCHAR, '0'), '.') END AS rate_text
      FROM c`);

    // One thread writes the rows in the order its join produces them: the same
    // bytes every run. (With two, DuckDB buffers batches to keep an order and,
    // at 10 million rows, spills them: far slower than one thread.)
    await conn.run('SET threads = 1');
    const select = COLUMNS.map(([name, type, expr]) => `CAST(${expr} AS ${type}) AS ${name}`).join(',\n  ');
    await conn.run(`COPY (SELECT ${select} FROM (SELECT *, unblended_d::DOUBLE AS unblended, od_d::DOUBLE AS od_cost, qty_d::DOUBLE AS qty,
        sp_eff_d::DOUBLE AS sp_eff, ri_eff_d::DOUBLE AS ri_eff, fee_sp_total::DOUBLE AS sp_total, fee_sp_used::DOUBLE AS sp_used,
        fee_ri_unused::DOUBLE AS ri_unused FROM cur_rows) c)
      TO ${lit(out)} (FORMAT parquet, COMPRESSION zstd)`);
    await conn.run('SET threads = 2');
    // The totals from the file as written: each DOUBLE's shortest text is the decimal it was made from.
    const dec = (col: string) => `CAST(CAST(${col} AS VARCHAR) AS DECIMAL(38,10))`;
    const totals = (await all(conn, `SELECT sum(u)::VARCHAR AS unblended,
        sum(CASE t WHEN 'SavingsPlanCoveredUsage' THEN spe WHEN 'SavingsPlanNegation' THEN 0 WHEN 'DiscountedUsage' THEN rie
                   WHEN 'SavingsPlanRecurringFee' THEN spt - spu WHEN 'RIFee' THEN riu ELSE u END)::VARCHAR AS amortised
      FROM (SELECT line_item_line_item_type AS t, ${dec('line_item_unblended_cost')} AS u, ${dec('savings_plan_savings_plan_effective_cost')} AS spe,
              ${dec('reservation_effective_cost')} AS rie, ${dec('savings_plan_total_commitment_to_date')} AS spt,
              ${dec('savings_plan_used_commitment')} AS spu, ${dec('reservation_unused_recurring_fee')} AS riu
            FROM read_parquet(${lit(out)}))`))[0]!;
    const types = Object.fromEntries((await all(conn, `SELECT line_item_line_item_type AS t, count(*)::INTEGER AS n FROM read_parquet(${lit(out)}) GROUP BY ALL ORDER BY t`))
      .map((r) => [r.t as string, Number(r.n)]));
    return { file: out, rows, period, payerAccountId: PAYER.id, currency, unblended: String(totals.unblended), amortised: String(totals.amortised), types };
  } finally {
    conn.closeSync();
    db.closeSync();
    rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * `lines`: one row per usage line of a day (p < perDay), each its own
 * resource: account, SKU, owner's tags, level. An even line a Savings Plan
 * covers has its SavingsPlanNegation as the next line (the same resource and
 * quantity); RDS instances in eu-west-1 may run on the reservation.
 */
async function buildLines(conn: DuckDBConnection, nTeams: number, perDay: number, prefix: Record<string, string>): Promise<void> {
  const acctTotal = Number((await all(conn, 'SELECT count(*) AS n FROM p_acct_slots'))[0]!.n);
  const prefixSql = `CASE region_id ${Object.entries(prefix).map(([r, p]) => `WHEN '${r}' THEN '${p}'`).join(' ')} END`;
  await conn.run(`CREATE TABLE base AS
    WITH b AS (
      SELECT p::BIGINT AS p, a.*, hh(p, 0, 'sku') AS h_sku, uu(p, 0, 'team') AS u_team, uu(p, 0, 'own') AS u_own, uu(p, 0, 'cover') AS u_cover,
        hh(p, 0, 'tag') % 1000 AS v, CASE WHEN hh(p, 0, 'env') % 100 < 15 THEN 'staging' ELSE 'prod' END AS env
      FROM range(${perDay}) t(p) JOIN p_acct_slots sl ON sl.slot = hh(p, 0, 'acct') % ${acctTotal} JOIN p_acct a ON a.a = sl.a
    ), br AS (
      SELECT b.*, b.h_sku % rt.total AS sku_slot FROM b JOIN (SELECT DISTINCT role, total FROM p_sku_slots) rt USING (role)
    ), bs AS (
      SELECT br.*, s.* EXCLUDE (s) FROM br JOIN p_sku_slots sl ON sl.role = br.role AND sl.slot = br.sku_slot JOIN p_sku s ON s.s = sl.s
    ), bt AS (
      SELECT bs.*,
        CASE WHEN role IN ('platform', 'security') THEN NULL
             WHEN owner IS NOT NULL AND u_own < 0.95 THEN owner
             ELSE tm.team_id END AS team,  -- skewed: earlier teams are bigger
        (SELECT words FROM p_words)[1 + (hh(p, 0, 'word') % ${WORDS.length})::INTEGER] AS word,
        hx(p, 0, 'rid') AS hx1, hx(p, 1, 'rid') AS hx2
      FROM bs LEFT JOIN p_teams tm ON tm.t = floor(${nTeams} * u_team * (0.4 + 0.6 * u_team))::INTEGER
    )
    SELECT p, acct_id, acct_name, region_id AS acct_region, service, product_code, family, sku_id, descr, unit, price, mode, instance_type,
      CASE WHEN global THEN NULL ELSE region_id END AS region_id, CASE WHEN global THEN NULL ELSE region_name END AS region_name,
      CASE WHEN zonal THEN region_id || ['a', 'b', 'c'][1 + (hh(p, 0, 'zone') % 3)::INTEGER] END AS zone,
      ${prefixSql} || usage_key AS usage_type,
      CASE WHEN usage_key LIKE '%Usage:%' THEN 'RunInstances' WHEN unit = 'Requests' THEN 'PutObject' ELSE 'Usage' END AS operation,
      ${template()} AS resource_id,
      CASE WHEN team IS NULL OR v < 80 THEN MAP {}::MAP(VARCHAR, VARCHAR)
           ELSE MAP {'user_team': team, 'user_env': env} END AS tags,
      sku_id || '.JRTCKXETXF.6YS6EN2CT7' AS rate_code, (hash(sku_id) % 10000000000)::VARCHAR AS rate_id,
      lo + (hi - lo) * pow(uu(p, 0, 'lvl'), 3) AS level, uu(p, 0, 'auto') < 0.2 AS auto,
      CASE WHEN commit = 'sp' AND p % 2 = 0 AND u_cover < 0.5 AND p + 1 < ${perDay} THEN 'sp'
           WHEN commit = 'ri' AND region_id = 'eu-west-1' AND u_cover < 0.6 THEN 'ri' END AS cover
    FROM bt`);
  // The negation repeats the covered line it follows.
  const cols = ['acct_id', 'acct_name', 'acct_region', 'service', 'product_code', 'family', 'sku_id', 'descr', 'unit', 'price', 'mode', 'instance_type',
    'region_id', 'region_name', 'zone', 'usage_type', 'operation', 'resource_id', 'tags', 'level', 'auto', 'cover', 'rate_code', 'rate_id'];
  await conn.run(`CREATE TABLE lines AS
    SELECT b.p, coalesce(prev.p, b.p) AS qkey, FALSE AS fee,
      CASE WHEN prev.p IS NOT NULL THEN 'SavingsPlanNegation' WHEN b.cover = 'sp' THEN 'SavingsPlanCoveredUsage'
           WHEN b.cover = 'ri' THEN 'DiscountedUsage' ELSE 'Usage' END AS li_type,
      ${cols.map((c) => `CASE WHEN prev.p IS NOT NULL THEN prev.${c} ELSE b.${c} END AS ${c}`).join(', ')},
      MAP {'product_name': CASE WHEN prev.p IS NOT NULL THEN prev.service ELSE b.service END,
           'region': coalesce(CASE WHEN prev.p IS NOT NULL THEN prev.region_id ELSE b.region_id END, '')} AS product_map,
      CASE WHEN coalesce(prev.cover, b.cover) = 'sp' THEN (SELECT sp_arn FROM p_month) END AS sp_arn,
      CASE WHEN b.cover = 'ri' AND prev.p IS NULL THEN (SELECT ri_arn FROM p_month) END AS ri_arn,
      NULL::INTEGER AS fee_day, NULL::TIMESTAMP AS fee_start, NULL::TIMESTAMP AS fee_end, NULL::DECIMAL(38,10) AS fee_amount,
      NULL::DECIMAL(38,10) AS fee_sp_total, NULL::DECIMAL(38,10) AS fee_sp_used, NULL::DECIMAL(38,10) AS fee_ri_unused,
      NULL::DECIMAL(18,3) AS fee_qty, NULL::INTEGER AS ri_count
    FROM base b LEFT JOIN base prev ON prev.p = b.p - 1 AND prev.cover = 'sp'`);
}

/** Fills a catalog ResourceId template from the line's columns. */
function template(): string {
  const subs: [string, string][] = [
    ['{region}', 'region_id'], ['{acct}', 'acct_id'], ['{team}', "coalesce(team, role)"], ['{word}', 'word'],
    ['{n}', '(hh(p, 0, \'n\') % 20 + 1)::VARCHAR'], ['{hex4}', 'substr(hx1, 1, 4)'], ['{hex16}', 'hx1'], ['{hex32}', '(hx1 || hx2)'],
    ['{HEX13}', 'upper(substr(hx2, 1, 13))'],
  ];
  return subs.reduce((e, [k, v]) => `replace(${e}, '${k}', ${v})`, 'rid');
}

/**
 * The fee rows, numbered after the usage lines: the Savings Plan's fee each
 * day (its commitment set just above the covered usage's expected cost), the
 * reservation's recurring fee for the month, a credit on one team's account,
 * and each account's tax on its expected usage. Expected, not summed from the
 * rows: a fee is a price agreed beforehand, and reading 10 million rows twice
 * for it would double the generation time.
 */
async function buildFees(conn: DuckDBConnection, perDay: number, ndays: number, creditAccount: string | null): Promise<void> {
  const usageCost = `CASE mode WHEN 'fixed' THEN level WHEN 'partial' THEN CASE WHEN auto THEN 16 ELSE level END WHEN 'storage' THEN level / ndays ELSE level * 0.95 END * price::DOUBLE`;
  await conn.run(`CREATE TABLE fee_src AS
    WITH m AS (SELECT * FROM p_month),
    sp AS (SELECT greatest(1, ceil(sum(${usageCost}) * ${SP_RATE} / ${SP_UTILISATION}))::DECIMAL(38,10) AS daily
           FROM lines, m WHERE li_type = 'SavingsPlanCoveredUsage'),
    -- What the covered instances use of the reservation (24 h a day each), and the fee of which that is all but RI_UNUSED.
    ri0 AS (SELECT count(*) AS n, (greatest(1, count(*)) * 0.48 * ${RI_RATE} * 24 * ${ndays})::DECIMAL(38,10) AS used FROM lines WHERE li_type = 'DiscountedUsage'),
    ri AS (SELECT n, used, round(used / (1 - ${RI_UNUSED}), 2)::DECIMAL(38,10) AS fee FROM ri0),
    acct AS (SELECT a.acct_id, a.acct_name, coalesce(sum(${usageCost}) FILTER (WHERE li_type = 'Usage'), 0) * any_value(m.ndays) AS month_cost
             FROM p_acct a LEFT JOIN lines l USING (acct_id), m GROUP BY ALL)
    SELECT 0 AS kind, d AS k, 'SavingsPlanRecurringFee' AS li_type, d AS fee_day, m.mstart + to_days(d) AS fee_start, m.mstart + to_days(d + 1) AS fee_end,
      sp.daily AS fee_amount, sp.daily AS fee_sp_total, round(sp.daily * ${SP_UTILISATION}, 2)::DECIMAL(38,10) AS fee_sp_used, NULL::DECIMAL(38,10) AS fee_ri_unused,
      24::DECIMAL(18,3) AS fee_qty, (SELECT acct_id FROM p_acct WHERE role = 'platform') AS acct_id,
      'Savings Plans for AWS Compute usage' AS service, 'ComputeSavingsPlans' AS product_code,
      '1 year No Upfront Compute Savings Plan, ' || (sp.daily / 24)::DECIMAL(18,2) || ' ' || m.currency || ' per hour' AS descr, 'Hrs' AS unit,
      'ComputeSP:1yrNoUpfront' AS usage_type, m.sp_arn AS resource_id, NULL::INTEGER AS ri_count
    FROM range(${ndays}) t(d), m, sp
    UNION ALL
    SELECT 1, 0, 'RIFee', 0, m.mstart, m.mnext, ri.fee, NULL, NULL, (ri.fee - ri.used)::DECIMAL(38,10),
      (greatest(1, ri.n) * 24 * m.ndays)::DECIMAL(18,3), (SELECT acct_id FROM p_acct WHERE role = 'platform'),
      'Amazon Relational Database Service', 'AmazonRDS', 'USD 0.288 hourly fee per PostgreSQL, db.r6g.xlarge instance', 'Hrs',
      'EU-HeavyUsage:db.r6g.xlarge', m.ri_arn, greatest(1, ri.n)::INTEGER
    FROM m, ri
    ${creditAccount ? `UNION ALL
    SELECT 2, 0, 'Credit', 0, m.mstart, m.mnext, -round(acct.month_cost * ${CREDIT_RATE}, 2)::DECIMAL(38,10), NULL, NULL, NULL, NULL, acct.acct_id,
      'Amazon Elastic Compute Cloud', 'AmazonEC2', 'AWS Migration Acceleration Program credit', NULL, NULL, NULL, NULL
    FROM m, acct WHERE acct.acct_id = '${creditAccount}'` : ''}
    UNION ALL
    SELECT 3, row_number() OVER (ORDER BY acct.acct_id), 'Tax', 0, m.mstart, m.mnext, round(acct.month_cost * ${TAX_RATE}, 2)::DECIMAL(38,10),
      NULL, NULL, NULL, NULL, acct.acct_id, 'Tax', 'AmazonEC2', 'Tax for product code AmazonEC2', NULL, NULL, NULL, NULL
    FROM m, acct`);
  await conn.run(`INSERT INTO lines BY NAME
    SELECT ${perDay} + row_number() OVER (ORDER BY kind, k) - 1 AS p, 0 AS qkey, TRUE AS fee, f.fee_day, f.li_type, f.acct_id, a.acct_name,
      a.region_id AS acct_region, f.service, f.product_code, f.descr, f.unit, f.usage_type, f.resource_id, f.fee_start, f.fee_end, f.fee_amount,
      f.fee_sp_total, f.fee_sp_used, f.fee_ri_unused, f.fee_qty, f.ri_count,
      CASE WHEN f.li_type = 'SavingsPlanRecurringFee' THEN f.resource_id END AS sp_arn,
      CASE WHEN f.li_type = 'RIFee' THEN f.resource_id END AS ri_arn,
      CASE WHEN f.li_type = 'RIFee' THEN 'eu-west-1' END AS region_id, CASE WHEN f.li_type = 'RIFee' THEN 'Europe (Ireland)' END AS region_name,
      MAP {}::MAP(VARCHAR, VARCHAR) AS tags, MAP {'product_name': f.service, 'region': CASE WHEN f.li_type = 'RIFee' THEN 'eu-west-1' ELSE '' END} AS product_map,
      0::DECIMAL(18,10) AS price, 'fee' AS mode
    FROM fee_src f JOIN p_acct a USING (acct_id)`);
}

async function all(conn: DuckDBConnection, sql: string): Promise<Record<string, unknown>[]> {
  return (await conn.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
}

async function table(conn: DuckDBConnection, name: string, cols: string, rows: unknown[][]): Promise<void> {
  await conn.run(`CREATE TABLE ${name} (${cols})`);
  if (rows.length === 0) return;
  await conn.run(`INSERT INTO ${name} VALUES ${rows.map((r) => `(${r.map(lit).join(', ')})`).join(', ')}`);
}

function lit(v: unknown): string {
  if (v === null || v === undefined) return 'NULL';
  if (typeof v === 'number') return String(v);
  if (typeof v === 'boolean') return v ? 'TRUE' : 'FALSE';
  if (Array.isArray(v)) return `[${v.map(lit).join(', ')}]`;
  return `'${String(v).replaceAll("'", "''")}'`;
}
