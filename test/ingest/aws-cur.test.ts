import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { attribute } from '../../src/allocate/run.ts';
import { describeMappingCheck } from '../../src/cli/ingest-aws-cur.ts';
import { ingestAwsCurFiles } from '../../src/ingest/aws-cur/ingest.ts';
import { sqlString, type Store } from '../../src/store/db.ts';
import { AllotError, InputError } from '../../src/util/errors.ts';
import { config, tempStore } from '../allocate/fixture.ts';

// Every expected amount below is worked out by hand from the fixture rows;
// the comments show the arithmetic. Amounts are compared as exact strings.

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'aws-cur');
const LEGACY = join(FIXTURES, 'legacy-2024-03.csv');
const LEGACY_BAD = join(FIXTURES, 'legacy-bad.csv');

let store: Store;
let dir: string;
beforeEach(async () => {
  store = await tempStore();
  dir = mkdtempSync(join(tmpdir(), 'allot-cur-'));
});
afterEach(() => store.close());

interface Totals {
  rows: string;
  billed: string;
  effective: string;
  list: string;
}
async function totals(where = 'TRUE'): Promise<Totals> {
  return (await store.one<Totals>(
    `SELECT count(*)::VARCHAR AS rows, sum(billed_cost)::VARCHAR AS billed, sum(effective_cost)::VARCHAR AS effective,
            sum(list_cost)::VARCHAR AS list
     FROM line_items WHERE superseded_by IS NULL AND ${where}`,
  ))!;
}

/** Writes a Parquet file from a SELECT with DuckDB itself. */
async function parquet(name: string, select: string): Promise<string> {
  const file = join(dir, name);
  await store.run(`COPY (${select}) TO ${sqlString(file)} (FORMAT parquet)`);
  return file;
}

async function error(p: Promise<unknown>, kind: new (...args: never[]) => Error = InputError): Promise<InputError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(kind);
  return e as InputError;
}

describe('legacy CUR CSV (lineItem/UnblendedCost, resourceTags/user:team)', () => {
  it('maps every line item type to FOCUS, amortising the RI by hand-checked numbers', async () => {
    const r = await ingestAwsCurFiles(store, [LEGACY]);
    expect(r.files).toMatchObject([{ status: 'active', format: 'csv', flavour: 'legacy', rowsLoaded: 8, rowsRejected: 0 }]);
    const rows = await store.all(
      `SELECT source_line, charge_category, charge_frequency, billed_cost::VARCHAR AS billed, effective_cost::VARCHAR AS effective,
              list_cost::VARCHAR AS list, commitment_discount_id AS cd, tags::JSON::VARCHAR AS tags
       FROM line_items ORDER BY source_line`,
    );
    const ri1 = 'arn:aws:ec2:eu-west-1:111111111111:reserved-instances/ri-0001';
    expect(rows).toEqual([
      { source_line: '2', charge_category: 'Usage', charge_frequency: 'Usage-Based', billed: '10.500000000000', effective: '10.500000000000', list: '10.500000000000', cd: null, tags: '{"team":"payments","aws:createdBy":"AssumedRole:AROAEXAMPLE:ci"}' },
      // 12 decimals survive; the empty team tag is absent, not ""
      { source_line: '3', charge_category: 'Usage', charge_frequency: 'Usage-Based', billed: '0.123456789012', effective: '0.123456789012', list: '0.123456789012', cd: null, tags: '{"aws:createdBy":"IAMUser:AIDAEXAMPLE:alice"}' },
      // DiscountedUsage: billed 0, EffectiveCost = reservation/EffectiveCost, ListCost = public on-demand
      { source_line: '4', charge_category: 'Usage', charge_frequency: 'Usage-Based', billed: '0.000000000000', effective: '3.250000000000', list: '5.000000000000', cd: ri1, tags: '{"team":"search"}' },
      { source_line: '5', charge_category: 'Usage', charge_frequency: 'Usage-Based', billed: '0.000000000000', effective: '3.250000000000', list: '5.000000000000', cd: ri1, tags: '{"team":"payments"}' },
      // RIFee: billed the 20.00 recurring fee; EffectiveCost is the unused part 1.40 + 2.10 = 3.50
      { source_line: '6', charge_category: 'Purchase', charge_frequency: 'Recurring', billed: '20.000000000000', effective: '3.500000000000', list: '20.000000000000', cd: ri1, tags: '{}' },
      // Tax: its public on-demand cost is 0.0 in the export, but tax is listed at what it costs
      { source_line: '7', charge_category: 'Tax', charge_frequency: 'Usage-Based', billed: '1.150000000000', effective: '1.150000000000', list: '1.150000000000', cd: null, tags: '{}' },
      { source_line: '8', charge_category: 'Credit', charge_frequency: 'Usage-Based', billed: '-2.000000000000', effective: '-2.000000000000', list: '-2.000000000000', cd: null, tags: '{}' },
      // the upfront RI fee is amortised into the reservation's EffectiveCost elsewhere: 0 here
      { source_line: '9', charge_category: 'Purchase', charge_frequency: 'One-Time', billed: '100.000000000000', effective: '0.000000000000', list: '100.000000000000', cd: 'arn:aws:ec2:eu-west-1:111111111111:reserved-instances/ri-0002', tags: '{}' },
    ]);
    // 10.50 + 0.123456789012 + 0 + 0 + 20.00 + 1.15 - 2.00 + 100.00 = 129.773456789012
    // 10.50 + 0.123456789012 + 3.25 + 3.25 + 3.50 + 1.15 - 2.00 + 0 = 19.773456789012
    expect(r.mapping).toEqual([
      {
        billingPeriod: '2024-03', currency: 'USD', rows: 8, ok: true,
        billedCost: '129.773456789012', effectiveCost: '19.773456789012',
        exportUnblended: '129.773456789012', exportAmortised: '19.773456789012',
      },
    ]);
    expect(describeMappingCheck(r.mapping[0]!)).toBe(
      "mapping check 2024-03: BilledCost 129.77 USD = the files' unblended total; EffectiveCost 19.77 USD = the files' amortised total (8 rows)",
    );
    // ISO timestamps with .000Z, in UTC; the other FOCUS columns
    const first = await store.one(
      `SELECT period, billing_account_id, sub_account_id, strftime(billing_period_start, '%Y-%m-%d %H:%M:%S') AS bps,
              strftime(charge_period_end, '%Y-%m-%d %H:%M:%S') AS cpe, billing_currency, service_name, region_id, region_name,
              availability_zone, resource_id, provider_name, invoice_issuer_name, pricing_category, pricing_unit,
              consumed_quantity::VARCHAR AS consumed, extra->>'line_item_line_item_type' AS type
       FROM line_items WHERE source_line = 2`,
    );
    expect(first).toEqual({
      period: '2024-03', billing_account_id: '111111111111', sub_account_id: '222222222222', bps: '2024-03-01 00:00:00',
      cpe: '2024-03-01 01:00:00', billing_currency: 'USD', service_name: 'Amazon Elastic Compute Cloud', region_id: 'eu-west-1',
      region_name: 'EU (Ireland)', availability_zone: 'eu-west-1a', resource_id: 'i-0aaa', provider_name: 'AWS',
      invoice_issuer_name: 'Amazon Web Services, Inc.', pricing_category: 'Standard', pricing_unit: 'Hrs', consumed: '1.000000000000',
      type: 'Usage',
    });
    // Tax has no product/servicename: the product name
    expect(await store.one(`SELECT service_name FROM line_items WHERE source_line = 7`)).toEqual({ service_name: 'Amazon Elastic Compute Cloud' });
  });

  it('reads it gzipped too, and a re-import of the same bytes is a no-op', async () => {
    const gz = join(dir, 'legacy.csv.gz');
    writeFileSync(gz, gzipSync(readFileSync(LEGACY)));
    const r = await ingestAwsCurFiles(store, [gz]);
    expect(r.files[0]).toMatchObject({ format: 'csv.gz', rowsLoaded: 8 });
    const again = await ingestAwsCurFiles(store, [gz]);
    expect(again.files[0]).toMatchObject({ status: 'noop', sameAs: r.files[0]!.importId });
    expect(again.mapping).toEqual([]);
    expect(await totals()).toEqual({ rows: '8', billed: '129.773456789012', effective: '19.773456789012', list: '139.773456789012' });
    expect(again.deliveries[0]).toMatchObject({ status: 'noop' });
    expect(await store.all(`SELECT status FROM imports ORDER BY import_id`)).toEqual([{ status: 'active' }]);
    // The plain CSV is the same content as the gzipped one.
    expect((await ingestAwsCurFiles(store, [LEGACY])).files[0]).toMatchObject({ status: 'noop', sameAs: r.files[0]!.importId });
  });

  it('a bad row: FILE:LINE (the physical line, after a quoted line break) and nothing written', async () => {
    const e = await error(ingestAwsCurFiles(store, [LEGACY_BAD]));
    // line 1 header, lines 2-3 one record, line 4 the bad amount, line 5 a bad date
    expect(e.message).toBe(
      `${LEGACY_BAD}:4: column lineItem/UnblendedCost: not a decimal number: "12,5" (and 1 more invalid row; nothing was imported)`,
    );
    expect(await store.one(`SELECT (SELECT count(*) FROM line_items) AS li, (SELECT count(*) FROM imports) AS im`)).toEqual({ li: '0', im: '0' });
  });

  it('--skip-invalid imports the rest and keeps the bad rows in rejects', async () => {
    const r = await ingestAwsCurFiles(store, [LEGACY_BAD], { skipInvalid: true });
    expect(r.files[0]).toMatchObject({ rowsRead: 4, rowsLoaded: 2, rowsRejected: 2 });
    expect(await store.all(`SELECT source_line, column_name, reason, raw->>'identity/LineItemId' AS id FROM rejects ORDER BY source_line`)).toEqual([
      { source_line: '4', column_name: 'lineItem/UnblendedCost', reason: 'not a decimal number: "12,5"', id: 'li-b2' },
      { source_line: '5', column_name: 'lineItem/UsageStartDate', reason: 'not a timestamp: "2024-03-32T00:00:00.000Z"', id: 'li-b3' },
    ]);
    expect(await store.all(`SELECT source_line FROM line_items ORDER BY 1`)).toEqual([{ source_line: '2' }, { source_line: '6' }]);
    // the check covers the imported rows: 10.50 + 1.15
    expect(r.mapping).toMatchObject([{ billingPeriod: '2024-03', rows: 2, billedCost: '11.650000000000', exportUnblended: '11.650000000000', ok: true }]);
  });

  it('missing mandatory columns: one error naming the file and every missing column', async () => {
    const f = join(dir, 'not-a-cur.csv');
    writeFileSync(f, 'identity/LineItemId,lineItem/UsageStartDate,lineItem/UsageEndDate,lineItem/LineItemType,bill/BillingPeriodStartDate,bill/BillingPeriodEndDate\nx,2024-03-01,2024-03-02,Usage,2024-03-01,2024-04-01\n');
    const e = await error(ingestAwsCurFiles(store, [f]));
    expect(e.message).toBe(`${f}: not an AWS Cost and Usage Report: missing columns bill/PayerAccountId, lineItem/CurrencyCode, lineItem/UnblendedCost`);
  });

  it('files of one command covering the same month are parts of one delivery; a later delivery replaces them', async () => {
    const lines = readFileSync(LEGACY, 'utf8').trimEnd().split('\n');
    const part1 = join(dir, 'part-1.csv');
    const part2 = join(dir, 'part-2.csv');
    writeFileSync(part1, `${[lines[0], ...lines.slice(1, 5)].join('\n')}\n`);
    writeFileSync(part2, `${[lines[0], ...lines.slice(5)].join('\n')}\n`);
    const r = await ingestAwsCurFiles(store, [part1, part2]);
    expect(r.files.map((f) => [f.status, f.rowsLoaded])).toEqual([['active', 4], ['active', 4]]);
    expect(r.deliveries.map((d) => [d.deliveryId, d.parts.length, d.replaced])).toEqual([[3, 2, []]]);
    expect(r.mapping).toMatchObject([{ billingPeriod: '2024-03', rows: 8, effectiveCost: '19.773456789012', ok: true }]);
    expect(await totals()).toMatchObject({ rows: '8', effective: '19.773456789012' });
    // A new delivery of the month: part 1 unchanged (its import stands for it), part 2 revised. Part 1's rows stay, old part 2's go.
    writeFileSync(part2, `${[lines[0], ...lines.slice(5, 8)].join('\n')}\n`); // without the upfront fee row
    // Loose files that leave out a charge day of what they replace need --replace.
    const refused = await error(ingestAwsCurFiles(store, [part1, part2]), AllotError);
    expect(refused.message).toContain(
      'part-1.csv, part-2.csv would replace billing account 111111111111, 2024-03 (delivery #3: 4 rows, 2 charge days, 119.15 USD) with rows that leave out 1 charge day it covers (2024-03-05)',
    );
    const r2 = await ingestAwsCurFiles(store, [part1, part2], { replace: true });
    expect(r2.files.map((f) => f.status)).toEqual(['noop', 'active']);
    expect(r2.deliveries[0]!.replaced).toEqual([3]);
    expect(await totals()).toMatchObject({ rows: '7', billed: '29.773456789012', effective: '19.773456789012' });
    expect(await store.all(`SELECT import_id, status FROM imports ORDER BY 1`)).toEqual([
      { import_id: 1, status: 'active' },
      { import_id: 2, status: 'superseded' },
      { import_id: 6, status: 'active' }, // ids 4 and 5 went to the refused attempt
    ]);
    // ...and the whole month as one file replaces both parts.
    const r3 = await ingestAwsCurFiles(store, [LEGACY]);
    expect(r3.deliveries[0]!.replaced).toEqual([7]);
    expect(await totals()).toMatchObject({ rows: '8', effective: '19.773456789012' });
  });
});

/** Athena-style Parquet: DOUBLE money, one column per tag. */
const ATHENA_OCT = `SELECT * FROM (VALUES
    ('r1', '011111111111', TIMESTAMP '2024-04-01', TIMESTAMP '2024-05-01', '222222222222', 'Usage', TIMESTAMP '2024-04-01 00:00:00', TIMESTAMP '2024-04-01 01:00:00', 'AmazonEC2', 'i-1', 'USD', 0.1::DOUBLE, 'Amazon Elastic Compute Cloud', 'Amazon Elastic Compute Cloud', 'us-east-1', 0.1::DOUBLE, 0::DOUBLE, 0::DOUBLE, 0::DOUBLE, 'payments', '', '', ''),
    ('r2', '011111111111', TIMESTAMP '2024-04-01', TIMESTAMP '2024-05-01', '222222222222', 'Usage', TIMESTAMP '2024-04-02 00:00:00', TIMESTAMP '2024-04-02 01:00:00', 'AmazonEKS', '', 'USD', 0.2::DOUBLE, 'Amazon Elastic Kubernetes Service', '', 'us-east-1', 0.2::DOUBLE, 0::DOUBLE, 0::DOUBLE, 0::DOUBLE, '', 'CC-1', 'AROA:ci', 'prod'),
    ('r3', '011111111111', TIMESTAMP '2024-04-01', TIMESTAMP '2024-05-01', '333333333333', 'DiscountedUsage', TIMESTAMP '2024-04-03 00:00:00', TIMESTAMP '2024-04-03 01:00:00', 'AmazonEC2', 'i-2', 'USD', 0::DOUBLE, 'Amazon Elastic Compute Cloud', 'Amazon Elastic Compute Cloud', 'us-east-1', 1.0::DOUBLE, 0.7::DOUBLE, 0::DOUBLE, 0::DOUBLE, 'search', NULL, NULL, NULL),
    ('r4', '011111111111', TIMESTAMP '2024-04-01', TIMESTAMP '2024-05-01', '011111111111', 'RIFee', TIMESTAMP '2024-04-01 00:00:00', TIMESTAMP '2024-04-30 23:59:59', 'AmazonEC2', '', 'USD', 1.1::DOUBLE, 'Amazon Elastic Compute Cloud', 'Amazon Elastic Compute Cloud', 'us-east-1', 0::DOUBLE, 0::DOUBLE, 0.3::DOUBLE, 0.05::DOUBLE, '', '', '', '')
  ) t(identity_line_item_id, bill_payer_account_id, bill_billing_period_start_date, bill_billing_period_end_date, line_item_usage_account_id,
      line_item_line_item_type, line_item_usage_start_date, line_item_usage_end_date, line_item_product_code, line_item_resource_id,
      line_item_currency_code, line_item_unblended_cost, product_product_name, product_servicename, product_region,
      pricing_public_on_demand_cost, reservation_effective_cost, reservation_unused_amortized_upfront_fee_for_billing_period,
      reservation_unused_recurring_fee, resource_tags_user_team, resource_tags_user_cost_center, resource_tags_aws_created_by,
      resource_tags_aws_eks_cluster_name)`;

/** The next month: no cost_center tag and no pricing column any more; a new tag and product_category; the payer id as an integer. */
const ATHENA_NOV = `SELECT * FROM (VALUES
    ('r1', 11111111111::BIGINT, TIMESTAMP '2024-05-01', TIMESTAMP '2024-06-01', '222222222222', 'Usage', TIMESTAMP '2024-05-01 00:00:00', TIMESTAMP '2024-05-01 01:00:00', 'AmazonEC2', 'i-1', 'USD', 0.3::DOUBLE, 'Amazon Elastic Compute Cloud', 'Amazon Elastic Compute Cloud', 'us-east-1', 0::DOUBLE, 0::DOUBLE, 0::DOUBLE, 'payments', '', '', 'prod', 'Compute'),
    ('r2', 11111111111::BIGINT, TIMESTAMP '2024-05-01', TIMESTAMP '2024-06-01', '222222222222', 'Usage', TIMESTAMP '2024-05-02 00:00:00', TIMESTAMP '2024-05-02 01:00:00', 'AmazonS3', 'b', 'USD', 1e-05::DOUBLE, 'Amazon Simple Storage Service', 'Amazon Simple Storage Service', 'us-east-1', 0::DOUBLE, 0::DOUBLE, 0::DOUBLE, '', '', '', '', 'Storage')
  ) t(identity_line_item_id, bill_payer_account_id, bill_billing_period_start_date, bill_billing_period_end_date, line_item_usage_account_id,
      line_item_line_item_type, line_item_usage_start_date, line_item_usage_end_date, line_item_product_code, line_item_resource_id,
      line_item_currency_code, line_item_unblended_cost, product_product_name, product_servicename, product_region,
      reservation_effective_cost, reservation_unused_amortized_upfront_fee_for_billing_period,
      reservation_unused_recurring_fee, resource_tags_user_team, resource_tags_aws_created_by,
      resource_tags_aws_eks_cluster_name, resource_tags_user_env, product_category)`;

describe('Athena-style Parquet (resource_tags_user_* columns, DOUBLE money, schema drift)', () => {
  it('two months with different columns; DOUBLE amounts exact through their shortest text; tags per column', async () => {
    const oct = await parquet('apr.parquet', ATHENA_OCT);
    const nov = await parquet('may.parquet', ATHENA_NOV);
    const r = await ingestAwsCurFiles(store, [oct, nov]);
    expect(r.files).toMatchObject([
      { flavour: 'athena', format: 'parquet', rowsLoaded: 4 },
      { flavour: 'athena', format: 'parquet', rowsLoaded: 2 },
    ]);
    // April: billed 0.1 + 0.2 + 0 + 1.1 = 1.4 (not 1.4000000000000001); effective 0.1 + 0.2 + 0.7 + (0.3 + 0.05) = 1.35
    // May: 0.3 + 0.00001 (1e-05 as a DOUBLE) = 0.30001; no pricing column: ListCost = unblended
    expect(r.mapping).toEqual([
      { billingPeriod: '2024-04', currency: 'USD', rows: 4, billedCost: '1.400000000000', effectiveCost: '1.350000000000', exportUnblended: '1.400000000000', exportAmortised: '1.350000000000', ok: true },
      { billingPeriod: '2024-05', currency: 'USD', rows: 2, billedCost: '0.300010000000', effectiveCost: '0.300010000000', exportUnblended: '0.300010000000', exportAmortised: '0.300010000000', ok: true },
    ]);
    expect(await totals(`period = '2024-05'`)).toMatchObject({ list: '0.300010000000' });
    expect(await totals(`period = '2024-04'`)).toMatchObject({ list: '2.400000000000' }); // 0.1 + 0.2 + 1.0 (on-demand) + 1.1 (fee)
    const rows = await store.all(
      `SELECT period, source_line, billing_account_id AS payer, service_name, resource_id, tags::JSON::VARCHAR AS tags
       FROM line_items ORDER BY period, source_line`,
    );
    expect(rows).toEqual([
      { period: '2024-04', source_line: '1', payer: '011111111111', service_name: 'Amazon Elastic Compute Cloud', resource_id: 'i-1', tags: '{"team":"payments"}' },
      // empty product_servicename falls back to the product name; "" tags are absent; aws: tags keep Athena's underscores
      { period: '2024-04', source_line: '2', payer: '011111111111', service_name: 'Amazon Elastic Kubernetes Service', resource_id: null, tags: '{"cost_center":"CC-1","aws:created_by":"AROA:ci","aws:eks_cluster_name":"prod"}' },
      { period: '2024-04', source_line: '3', payer: '011111111111', service_name: 'Amazon Elastic Compute Cloud', resource_id: 'i-2', tags: '{"team":"search"}' },
      { period: '2024-04', source_line: '4', payer: '011111111111', service_name: 'Amazon Elastic Compute Cloud', resource_id: null, tags: '{}' },
      // the integer payer id gets its leading zero back; the new tag column is picked up
      { period: '2024-05', source_line: '1', payer: '011111111111', service_name: 'Amazon Elastic Compute Cloud', resource_id: 'i-1', tags: '{"team":"payments","env":"prod"}' },
      { period: '2024-05', source_line: '2', payer: '011111111111', service_name: 'Amazon Simple Storage Service', resource_id: 'b', tags: '{}' },
    ]);
  });

  it('a bad Parquet row is named by row number; a missing mandatory column names the file', async () => {
    const bad = await parquet(
      'bad.parquet',
      `SELECT * REPLACE (CASE WHEN identity_line_item_id = 'r3' THEN 'nan'::DOUBLE ELSE line_item_unblended_cost END AS line_item_unblended_cost) FROM (${ATHENA_OCT})`,
    );
    const e = await error(ingestAwsCurFiles(store, [bad]));
    expect(e.message).toBe(`${bad}: row 3: column line_item_unblended_cost: not a decimal number: "nan"`);
    expect(e.line).toBe(3);

    const noCost = await parquet('no-cost.parquet', `SELECT * EXCLUDE (line_item_unblended_cost, line_item_currency_code) FROM (${ATHENA_OCT})`);
    const e2 = await error(ingestAwsCurFiles(store, [noCost]));
    expect(e2.message).toBe(`${noCost}: not an AWS Cost and Usage Report: missing columns line_item_currency_code, line_item_unblended_cost`);

    // A DiscountedUsage row in a file without reservation_effective_cost cannot be amortised.
    const noRi = await parquet('no-ri.parquet', `SELECT * EXCLUDE (reservation_effective_cost) FROM (${ATHENA_OCT})`);
    const e3 = await error(ingestAwsCurFiles(store, [noRi]));
    expect(e3.message).toBe(`${noRi}: row 3: column reservation_effective_cost: a DiscountedUsage row needs this column, which the file does not have`);
    expect(await store.one(`SELECT count(*) AS n FROM line_items`)).toEqual({ n: '0' });
  });

  it('--skip-invalid: the valid rows stream in, the bad one is kept in rejects, and the mapping check leaves it out', async () => {
    const bad = await parquet(
      'bad.parquet',
      `SELECT * REPLACE (CASE WHEN identity_line_item_id = 'r3' THEN 'nan'::DOUBLE ELSE line_item_unblended_cost END AS line_item_unblended_cost) FROM (${ATHENA_OCT})`,
    );
    const r = await ingestAwsCurFiles(store, [bad], { skipInvalid: true });
    expect(r.files[0]).toMatchObject({ format: 'parquet', rowsRead: 4, rowsLoaded: 3, rowsRejected: 1 });
    expect(await store.all(`SELECT rows_read, rows_loaded, rows_rejected FROM imports WHERE import_id = ${r.files[0]!.importId}`)).toEqual([
      { rows_read: '4', rows_loaded: '3', rows_rejected: '1' },
    ]);
    expect(await store.all('SELECT source_line, column_name, reason FROM rejects')).toEqual([
      { source_line: '3', column_name: 'line_item_unblended_cost', reason: 'not a decimal number: "nan"' },
    ]);
    // Without row 3 (DiscountedUsage: billed 0, effective 0.7): billed 0.1 + 0.2 + 1.1, effective 0.1 + 0.2 + (0.3 + 0.05)
    expect(r.mapping).toEqual([
      { billingPeriod: '2024-04', currency: 'USD', rows: 3, billedCost: '1.400000000000', effectiveCost: '0.650000000000', exportUnblended: '1.400000000000', exportAmortised: '0.650000000000', ok: true },
    ]);
    expect(await store.all('SELECT source_line FROM line_items ORDER BY 1')).toEqual([{ source_line: '1' }, { source_line: '2' }, { source_line: '4' }]);
  });

  it('Hive text (\\x01 between fields, \\N for NULL, header row), gzipped', async () => {
    const cols = ['identity_line_item_id', 'bill_payer_account_id', 'bill_billing_period_start_date', 'bill_billing_period_end_date', 'line_item_usage_account_id', 'line_item_line_item_type', 'line_item_usage_start_date', 'line_item_usage_end_date', 'line_item_product_code', 'line_item_resource_id', 'line_item_currency_code', 'line_item_unblended_cost', 'product_servicename', 'pricing_public_on_demand_cost', 'reservation_effective_cost', 'resource_tags_user_team', 'year', 'month'];
    const rows = [
      ['a', '836060457634', '2019-11-01 00:00:00', '2019-12-01 00:00:00', '011254002932', 'Usage', '2019-11-26 00:00:00', '2019-11-26 01:00:00', 'AmazonEC2', 'i-9', 'USD', '0.0116', 'Amazon Elastic Compute Cloud', '0.0116', '\\N', 'payments', '2019', '11'],
      ['b', '836060457634', '2019-11-01 00:00:00', '2019-12-01 00:00:00', '011254002932', 'Usage', '2019-11-26 01:00:00', '2019-11-26 02:00:00', 'AWSCloudTrail', '', 'USD', '0.0', '', '\\N', '\\N', '', '2019', '11'],
    ];
    const f = join(dir, 'Step1CUR.gz');
    writeFileSync(f, gzipSync([cols, ...rows].map((r) => r.join('\x01')).join('\n') + '\n'));
    const r = await ingestAwsCurFiles(store, [f]);
    expect(r.files[0]).toMatchObject({ format: 'hive.gz', flavour: 'athena', rowsLoaded: 2 });
    expect(await store.all(`SELECT source_line, sub_account_id, service_name, list_cost::VARCHAR AS list, tags::JSON::VARCHAR AS tags, strftime(charge_period_start, '%Y-%m-%d %H:%M') AS s FROM line_items ORDER BY 1`)).toEqual([
      { source_line: '2', sub_account_id: '011254002932', service_name: 'Amazon Elastic Compute Cloud', list: '0.011600000000', tags: '{"team":"payments"}', s: '2019-11-26 00:00' },
      // \N public on-demand cost: ListCost falls back to unblended
      { source_line: '3', sub_account_id: '011254002932', service_name: 'AWSCloudTrail', list: '0.000000000000', tags: '{}', s: '2019-11-26 01:00' },
    ]);
  });
});

describe('CUR 2.0 / Data Exports Parquet (MAP columns resource_tags and product)', () => {
  it('maps Savings Plan lines and the tag MAP (user_team → team, aws_created_by → aws:created_by)', async () => {
    const f = await parquet(
      'cur2.parquet',
      `SELECT * FROM (VALUES
         ('999999999999', 'Acme payer', TIMESTAMP '2025-01-01', TIMESTAMP '2025-02-01', '444444444444', 'acme-prod', 'SavingsPlanCoveredUsage', TIMESTAMP '2025-01-10 00:00:00', TIMESTAMP '2025-01-10 01:00:00', 'AmazonEC2', 'i-sp', 'USD', 2.0::DOUBLE, 2.0::DOUBLE, 1.2::DOUBLE, NULL::DOUBLE, NULL::DOUBLE, 'arn:aws:savingsplans::999999999999:savingsplan/sp-1', 'eu-central-1',
          MAP {'product_name': 'Amazon Elastic Compute Cloud', 'region': 'eu-central-1'}, MAP {'user_team': 'payments', 'aws_created_by': 'Root', 'user_env': ''}),
         ('999999999999', 'Acme payer', TIMESTAMP '2025-01-01', TIMESTAMP '2025-02-01', '444444444444', 'acme-prod', 'SavingsPlanNegation', TIMESTAMP '2025-01-10 00:00:00', TIMESTAMP '2025-01-10 01:00:00', 'AmazonEC2', 'i-sp', 'USD', -2.0::DOUBLE, 0::DOUBLE, NULL, NULL, NULL, 'arn:aws:savingsplans::999999999999:savingsplan/sp-1', 'eu-central-1',
          MAP {'product_name': 'Amazon Elastic Compute Cloud'}, MAP {'user_team': 'payments'}),
         ('999999999999', 'Acme payer', TIMESTAMP '2025-01-01', TIMESTAMP '2025-02-01', '999999999999', 'acme-payer', 'SavingsPlanRecurringFee', TIMESTAMP '2025-01-10 00:00:00', TIMESTAMP '2025-01-10 01:00:00', 'ComputeSavingsPlans', '', 'USD', 1.5::DOUBLE, 0::DOUBLE, NULL, 1.5::DOUBLE, 1.2::DOUBLE, 'arn:aws:savingsplans::999999999999:savingsplan/sp-1', NULL,
          MAP {'product_name': 'Savings Plans for AWS Compute usage'}, MAP {}::MAP(VARCHAR, VARCHAR)),
         ('999999999999', 'Acme payer', TIMESTAMP '2025-01-01', TIMESTAMP '2025-02-01', '444444444444', 'acme-prod', 'Usage', TIMESTAMP '2025-01-11 00:00:00', TIMESTAMP '2025-01-11 01:00:00', 'AmazonS3', 'bucket', 'USD', 0.25::DOUBLE, 0.25::DOUBLE, NULL, NULL, NULL, NULL, 'eu-central-1',
          MAP {'product_name': 'Amazon Simple Storage Service'}, MAP {'user_team': 'search', 'user_env': ''})
       ) t(bill_payer_account_id, bill_payer_account_name, bill_billing_period_start_date, bill_billing_period_end_date, line_item_usage_account_id,
           line_item_usage_account_name, line_item_line_item_type, line_item_usage_start_date, line_item_usage_end_date, line_item_product_code,
           line_item_resource_id, line_item_currency_code, line_item_unblended_cost, pricing_public_on_demand_cost,
           savings_plan_savings_plan_effective_cost, savings_plan_total_commitment_to_date, savings_plan_used_commitment,
           savings_plan_savings_plan_a_r_n, product_region_code, product, resource_tags)`,
    );
    const types = await store.all(`SELECT column_type AS t FROM (DESCRIBE SELECT product, resource_tags FROM read_parquet(${sqlString(f)}))`);
    expect(types).toEqual([{ t: 'MAP(VARCHAR, VARCHAR)' }, { t: 'MAP(VARCHAR, VARCHAR)' }]);

    const r = await ingestAwsCurFiles(store, [f]);
    expect(r.files[0]).toMatchObject({ flavour: 'cur2', rowsLoaded: 4 });
    // billed 2.0 - 2.0 + 1.5 + 0.25 = 1.75; effective 1.2 + 0 + (1.5 - 1.2) + 0.25 = 1.75
    expect(r.mapping).toEqual([
      { billingPeriod: '2025-01', currency: 'USD', rows: 4, billedCost: '1.750000000000', effectiveCost: '1.750000000000', exportUnblended: '1.750000000000', exportAmortised: '1.750000000000', ok: true },
    ]);
    expect(await store.all(
      `SELECT charge_category AS cat, billed_cost::VARCHAR AS billed, effective_cost::VARCHAR AS eff, list_cost::VARCHAR AS list,
              commitment_discount_type AS cdt, commitment_discount_category AS cdc, service_name, region_id, billing_account_name AS ban,
              sub_account_name AS san, tags::JSON::VARCHAR AS tags
       FROM line_items ORDER BY source_line`,
    )).toEqual([
      { cat: 'Usage', billed: '2.000000000000', eff: '1.200000000000', list: '2.000000000000', cdt: 'Savings Plan', cdc: 'Spend', service_name: 'Amazon Elastic Compute Cloud', region_id: 'eu-central-1', ban: 'Acme payer', san: 'acme-prod', tags: '{"team":"payments","aws:created_by":"Root"}' },
      // the negation undoes the billed on-demand price: EffectiveCost 0, ListCost 0
      { cat: 'Usage', billed: '-2.000000000000', eff: '0.000000000000', list: '0.000000000000', cdt: 'Savings Plan', cdc: 'Spend', service_name: 'Amazon Elastic Compute Cloud', region_id: 'eu-central-1', ban: 'Acme payer', san: 'acme-prod', tags: '{"team":"payments"}' },
      // the unused commitment (1.5 - 1.2) stays in EffectiveCost
      { cat: 'Purchase', billed: '1.500000000000', eff: '0.300000000000', list: '1.500000000000', cdt: 'Savings Plan', cdc: 'Spend', service_name: 'Savings Plans for AWS Compute usage', region_id: null, ban: 'Acme payer', san: 'acme-payer', tags: '{}' },
      { cat: 'Usage', billed: '0.250000000000', eff: '0.250000000000', list: '0.250000000000', cdt: null, cdc: null, service_name: 'Amazon Simple Storage Service', region_id: 'eu-central-1', ban: 'Acme payer', san: 'acme-prod', tags: '{"team":"search"}' },
    ]);
  });
});

describe('an imported CUR month through attribute()', () => {
  it('attributes by tag and account, and the chargeback rows reconcile to the cent', async () => {
    await ingestAwsCurFiles(store, [LEGACY]);
    const cfg = config(`
team_tag_keys: [team]
teams:
  - { id: payments, name: Payments, cost_center: CC-1, gl_account: "6100", accounts: ["333333333333"] }
  - { id: search, name: Search, cost_center: CC-2, gl_account: "6200", accounts: ["222222222222"] }
`);
    const run = await attribute(store, cfg, '2024-03');
    expect(run.totals).toMatchObject([{ currency: 'USD', bill_exact: '19.773456789012', allocated_exact: '19.773456789012', line_items: '8', ok: true }]);
    // Σ rounded rows = round(Σ EffectiveCost) = 19.77
    expect(await store.one(`SELECT sum(amount)::DECIMAL(38,2)::VARCHAR AS total FROM chargeback_rows WHERE run_id = $1`, [run.runId])).toEqual({ total: '19.77' });
    const out = await store.all(
      `SELECT team_id, charge_type, service, amount::DECIMAL(38,2)::VARCHAR AS amount FROM chargeback_rows WHERE run_id = $1 ORDER BY ALL`,
      [run.runId],
    );
    expect(out).toEqual([
      // tag team=payments: 10.50 + 3.25 (RI-covered, amortised)
      { team_id: 'payments', charge_type: 'direct', service: 'Amazon Elastic Compute Cloud', amount: '13.75' },
      // no team tag (""), account 333333333333: 0.123456789012
      { team_id: 'payments', charge_type: 'direct', service: 'Amazon Simple Storage Service', amount: '0.12' },
      // tag team=search 3.25, and account 222222222222's tax 1.15 and credit -2.00
      { team_id: 'search', charge_type: 'direct', service: 'Amazon Elastic Compute Cloud', amount: '2.40' },
      // the payer's RI fee (unused part 3.50) and upfront fee (0): no owner
      { team_id: 'unallocated', charge_type: 'unallocated', service: 'Amazon Elastic Compute Cloud', amount: '3.50' },
    ]);
  });
});

// ---------------------------------------------------------------------------
// The real samples (shared/samples): row counts, and totals against DuckDB
// reading the raw files on its own.

const SAMPLES = join(import.meta.dirname, '..', '..', '..', 'shared', 'samples');
const WA = join(SAMPLES, 'aws-cur-wa-labs');
const MONTHS = ['Oct', 'Nov', 'Dec'].map((m) => join(WA, `${m}2018-WorkshopCUR-00001.snappy.parquet`));
const STEP1 = join(WA, 'Step1CUR.gz');
const LEGACY_SAMPLE = join(SAMPLES, 'aws-cur-legacy', 'sample-anonymous-aws-export-dataset.csv');
const haveSamples = existsSync(WA) && existsSync(LEGACY_SAMPLE);
if (!haveSamples) console.warn(`aws-cur sample tests skipped (../shared/samples absent: ${SAMPLES})`);

describe.skipIf(!haveSamples)('real AWS CUR samples (skipped when ../shared/samples absent)', () => {
  let s: Store;
  let result: Awaited<ReturnType<typeof ingestAwsCurFiles>>;
  beforeAll(async () => {
    s = await tempStore();
    result = await ingestAwsCurFiles(s, [...MONTHS, STEP1, LEGACY_SAMPLE]);
  });
  afterAll(() => s?.close());

  const dec = (x: string): string => `CAST(CAST(${x} AS VARCHAR) AS DECIMAL(38,12))`;
  /** AWS's amortised cost, written out here on its own, over the raw columns. */
  const amortised = (d: (c: string) => string): string => `sum(CASE line_item_line_item_type
      WHEN 'DiscountedUsage' THEN ${d('reservation_effective_cost')}
      WHEN 'RIFee' THEN ${d('reservation_unused_amortized_upfront_fee_for_billing_period')} + ${d('reservation_unused_recurring_fee')}
      ELSE ${d('line_item_unblended_cost')} END)::VARCHAR`;

  async function stored(importId: number): Promise<Totals> {
    return (await s.one<Totals>(
      `SELECT count(*)::VARCHAR AS rows, sum(billed_cost)::VARCHAR AS billed, sum(effective_cost)::VARCHAR AS effective, sum(list_cost)::VARCHAR AS list
       FROM line_items WHERE import_id = $1`,
      [importId],
    ))!;
  }

  it('imports every file, and the mapping check passes for each billing period', () => {
    expect(result.files.map((f) => [f.rowsLoaded, f.format, f.flavour])).toEqual([
      [119307, 'parquet', 'athena'],
      [124340, 'parquet', 'athena'],
      [91264, 'parquet', 'athena'],
      [7850, 'hive.gz', 'athena'],
      [1281, 'csv', 'legacy'],
    ]);
    expect(result.mapping.map((c) => [c.billingPeriod, c.rows, c.ok])).toEqual([
      ['2018-10', 119307, true],
      ['2018-11', 124340, true],
      ['2018-12', 91264, true],
      ['2019-11', 7850, true],
      ['2023-11', 1281, true],
    ]);
    expect(describeMappingCheck(result.mapping[0]!)).toBe(
      "mapping check 2018-10: BilledCost 4,064.48 USD = the files' unblended total; EffectiveCost 4,195.96 USD = the files' amortised total (119,307 rows)",
    );
  });

  it.each([0, 1, 2])('WA-labs month %i: BilledCost and EffectiveCost equal DuckDB over the raw Parquet', async (i) => {
    const raw = (await s.one<Record<string, string>>(
      `SELECT count(*)::VARCHAR AS rows, sum(${dec('line_item_unblended_cost')})::VARCHAR AS billed, ${amortised(dec)} AS effective,
              round(sum(line_item_unblended_cost), 2)::VARCHAR AS billed_double,
              count(*) FILTER (WHERE line_item_resource_id = '')::VARCHAR AS no_resource
       FROM read_parquet(${sqlString(MONTHS[i]!)})`,
    ))!;
    const st = await stored(result.files[i]!.importId);
    expect({ rows: st.rows, billed: st.billed, effective: st.effective }).toEqual({ rows: raw.rows, billed: raw.billed, effective: raw.effective });
    // Summing the DOUBLEs gives the same cents.
    expect(Number(st.billed).toFixed(2)).toBe(Number(raw.billed_double).toFixed(2));
    const res = await s.one(`SELECT count(*) FILTER (WHERE resource_id IS NULL)::VARCHAR AS n FROM line_items WHERE import_id = $1`, [result.files[i]!.importId]);
    expect(res).toEqual({ n: raw.no_resource });
  });

  it('WA-labs October: the cost_center tag is on 34,460 rows; Nov has the new tag, Dec lost workload_type', async () => {
    const [oct, nov, dec_] = result.files.map((f) => f.importId);
    const count = async (id: number, key: string) =>
      (await s.one<{ n: string }>(`SELECT count(*)::VARCHAR AS n FROM line_items WHERE import_id = $1 AND tags[${sqlString(key)}] IS NOT NULL`, [id]))!.n;
    expect(await count(oct!, 'cost_center')).toBe('34460');
    expect(await count(oct!, 'tag21_nov')).toBe('0');
    expect(Number(await count(nov!, 'tag21_nov'))).toBeGreaterThan(0);
    expect(Number(await count(nov!, 'workload_type'))).toBeGreaterThan(0);
    expect(await count(dec_!, 'workload_type')).toBe('0');
  });

  it('Step1CUR.gz (Hive text) and the legacy CSV equal DuckDB over the raw text', async () => {
    const hive = (await s.one<Record<string, string>>(
      `SELECT count(*)::VARCHAR AS rows, sum(line_item_unblended_cost::DECIMAL(38,12))::VARCHAR AS billed
       FROM read_csv(${sqlString(STEP1)}, delim = '\x01', quote = '', header = true, all_varchar = true, nullstr = '\\N')`,
    ))!;
    const st = await stored(result.files[3]!.importId);
    expect({ rows: st.rows, billed: st.billed, effective: st.effective }).toEqual({ rows: hive.rows, billed: hive.billed, effective: hive.billed });

    const legacy = (await s.one<Record<string, string>>(
      `SELECT count(*)::VARCHAR AS rows, sum("lineItem/UnblendedCost"::DECIMAL(38,12))::VARCHAR AS billed,
              count(*) FILTER (WHERE "lineItem/LineItemType" = 'Tax')::VARCHAR AS tax
       FROM read_csv(${sqlString(LEGACY_SAMPLE)}, all_varchar = true)`,
    ))!;
    const lt = await stored(result.files[4]!.importId);
    expect({ rows: lt.rows, billed: lt.billed, effective: lt.effective }).toEqual({ rows: legacy.rows, billed: legacy.billed, effective: legacy.billed });
    expect(await s.one(`SELECT count(*)::VARCHAR AS n FROM line_items WHERE import_id = $1 AND charge_category = 'Tax'`, [result.files[4]!.importId])).toEqual({ n: legacy.tax });
  });
});
