// Checks a FOCUS export the way a FOCUS reader would see it, from the file
// back through DuckDB: the split rows against the line items they replace,
// the teams against the chargeback rows, and the FOCUS 1.3 rules we can check.
import { expect } from 'vitest';
import { METHOD_IDS } from '../../src/export/focus/index.ts';
import type { Store } from '../../src/store/db.ts';
import { sqlString } from '../../src/store/db.ts';

/** The FOCUS columns an allocated charge shares with its origin charge (dimensions), as the export writes them. */
const DIMENSIONS = [
  'AvailabilityZone', 'BillingAccountId', 'BillingAccountName', 'BillingCurrency', 'BillingPeriodEnd', 'BillingPeriodStart',
  'ChargeCategory', 'ChargeClass', 'ChargeDescription', 'ChargeFrequency', 'CommitmentDiscountCategory', 'CommitmentDiscountId',
  'CommitmentDiscountStatus', 'CommitmentDiscountType', 'ConsumedUnit', 'InvoiceIssuerName', 'PricingCategory', 'PricingUnit',
  'ProviderName', 'PublisherName', 'RegionId', 'RegionName', 'ResourceId', 'ResourceName', 'ResourceType', 'ServiceCategory',
  'ServiceName', 'SkuId', 'SkuPriceId', 'SubAccountId', 'SubAccountName', 'Tags',
];
const METRICS = ['BilledCost', 'EffectiveCost', 'ListCost', 'ContractedCost', 'PricingQuantity', 'ConsumedQuantity'];
/** The dimensions a split charge sums away (null on its rows; its ChargeDescription says what it sums: SPLIT_DESCRIPTION). */
const SPLIT_DROPPED = ['AvailabilityZone', 'ResourceId', 'ResourceName', 'ResourceType', 'SkuId', 'SkuPriceId', 'Tags'];
/** A split charge's description, as the README words it. */
const SPLIT_DESCRIPTION = `'Split by Allot: the day''s ' || coalesce(service_name, 'unnamed service') || ' charges of ' || (CASE WHEN target_kind = 'cluster' THEN 'cluster ' ELSE 'shared pool ' END) || target_id`;
const LI_METRICS = ['billed_cost', 'effective_cost', 'list_cost', 'contracted_cost', 'pricing_quantity', 'consumed_quantity'];

/** Mandatory FOCUS 1.3 columns and their types as Parquet carries them. */
export const MANDATORY: Record<string, string> = {
  BilledCost: 'DECIMAL(38,12)', BillingAccountId: 'VARCHAR', BillingAccountName: 'VARCHAR', BillingCurrency: 'VARCHAR',
  BillingPeriodEnd: 'TIMESTAMP WITH TIME ZONE', BillingPeriodStart: 'TIMESTAMP WITH TIME ZONE', ChargeCategory: 'VARCHAR',
  ChargeClass: 'VARCHAR', ChargeDescription: 'VARCHAR', ChargePeriodEnd: 'TIMESTAMP WITH TIME ZONE',
  ChargePeriodStart: 'TIMESTAMP WITH TIME ZONE', ContractedCost: 'DECIMAL(38,12)', EffectiveCost: 'DECIMAL(38,12)',
  HostProviderName: 'VARCHAR', InvoiceIssuerName: 'VARCHAR', ListCost: 'DECIMAL(38,12)', PricingQuantity: 'DECIMAL(38,12)',
  PricingUnit: 'VARCHAR', ServiceCategory: 'VARCHAR', ServiceName: 'VARCHAR', ServiceProviderName: 'VARCHAR',
  AllocatedMethodId: 'VARCHAR', AllocatedMethodDetails: 'VARCHAR', AllocatedResourceId: 'VARCHAR', AllocatedResourceName: 'VARCHAR',
  AllocatedTags: 'VARCHAR',
};
/** Never null in any export (the store requires them of every line item). */
const NOT_NULL = ['BilledCost', 'EffectiveCost', 'ListCost', 'BillingAccountId', 'BillingCurrency', 'BillingPeriodStart', 'BillingPeriodEnd',
  'ChargeCategory', 'ChargePeriodStart', 'ChargePeriodEnd'];

const q = (s: string) => `"${s}"`;
/** The line item column of a FOCUS column: BillingAccountId → billing_account_id. */
const snake = (s: string) => s.replace(/(?<=[a-z])(?=[A-Z])/g, '_').toLowerCase();

export async function checkFocusParquet(store: Store, file: string, runId: number, period: string): Promise<void> {
  const f = `read_parquet(${sqlString(file)})`;

  // Types: every mandatory column, with its FOCUS type.
  const cols = await store.all<{ column_name: string; column_type: string }>(`DESCRIBE SELECT * FROM ${f}`);
  const types = Object.fromEntries(cols.map((c) => [c.column_name, c.column_type]));
  for (const [c, t] of Object.entries(MANDATORY)) expect(types[c], c).toBe(t);
  for (const c of cols) expect(c.column_name, 'a column Allot adds carries the x_ prefix').toMatch(/^(x_Allot[A-Z]|[A-Z])/);
  for (const c of NOT_NULL) {
    expect((await store.one<{ n: string }>(`SELECT count(*) - count(${q(c)}) AS n FROM ${f}`))!.n, `${c} is never null`).toBe('0');
  }

  // Each origin charge's rows: the same dimensions; summed over its rows, a
  // charge equals one charge of the run's line items, independently summed
  // here per UTC day: a direct charge (owner a team, or unallocated) on every
  // dimension; a split charge (owner a cluster or a shared pool) per split
  // group on the dimensions the split leaves as they are (SPLIT_DROPPED null),
  // its units among them.
  const dims = DIMENSIONS.map(q).join(', ');
  expect((await store.one<{ n: string }>(
    `SELECT count(*) AS n FROM (SELECT x_AllotChargeId FROM ${f} GROUP BY 1 HAVING count(DISTINCT (${dims})) > 1)`))!.n).toBe('0');
  const fileCol = (d: string) =>
    d === 'Tags' ? 'CASE WHEN any_value(Tags) IS NULL THEN MAP {} ELSE any_value(Tags)::JSON::MAP(VARCHAR, VARCHAR) END AS tags'
    : /^BillingPeriod/.test(d) ? `any_value(${q(d)}) AT TIME ZONE 'UTC' AS ${snake(d)}` : `any_value(${q(d)}) AS ${snake(d)}`;
  const inFile = await store.all(
    `SELECT * EXCLUDE (charge) FROM (
       SELECT x_AllotChargeId AS charge, bool_or(AllocatedMethodId IS NOT NULL) AS split,
              date_trunc('day', any_value(ChargePeriodStart) AT TIME ZONE 'UTC') AS day, ${DIMENSIONS.map(fileCol).join(', ')},
              ${METRICS.map((m, i) => `sum(${m})::VARCHAR AS ${LI_METRICS[i]}`).join(', ')}, any_value(x_AllotLineItems)::VARCHAR AS line_items
       FROM ${f} GROUP BY 1)
     ORDER BY ALL`);
  const liCol = (d: string) => {
    const c = snake(d);
    if (c === 'tags') return 'CASE WHEN split THEN MAP {} ELSE tags END AS tags';
    if (c === 'charge_description') return `CASE WHEN split THEN ${SPLIT_DESCRIPTION} ELSE charge_description END AS charge_description`;
    if (SPLIT_DROPPED.includes(d)) return `CASE WHEN split THEN NULL ELSE ${c} END AS ${c}`;
    return c;
  };
  const li = await store.all(
    `SELECT split, day, ${DIMENSIONS.map(snake).join(', ')},
            ${LI_METRICS.map((m) => `sum(${m})::VARCHAR AS ${m}`).join(', ')}, count(*)::VARCHAR AS line_items
     FROM (
       SELECT target_kind, target_id, split, date_trunc('day', charge_period_start) AS day,
              ${DIMENSIONS.map(liCol).join(', ')}, ${LI_METRICS.join(', ')}
       FROM (SELECT *, target_kind IN ('cluster', 'pool') AS split FROM run_line_items WHERE run_id = $1))
     GROUP BY target_kind, target_id, split, day, ${DIMENSIONS.map(snake).join(', ')}
     ORDER BY ALL`, [runId]);
  expect(inFile.length).toBe(li.length);
  expect(inFile).toEqual(li);
  const counts = await store.one(
    `SELECT (SELECT sum(n) FROM (SELECT DISTINCT x_AllotChargeId, x_AllotLineItems AS n FROM ${f}))::VARCHAR AS in_file,
            (SELECT count(*) FROM run_line_items WHERE run_id = $1)::VARCHAR AS line_items`, [runId]);
  expect(counts!.in_file).toBe(counts!.line_items);

  // Per chargeback row the cost measure adds up to its exact amount; per team
  // x_AllotChargebackCost adds up to the CSV's rounded amounts.
  const byRow = await store.all(
    `WITH m AS (SELECT cost_metric FROM allocation_runs WHERE run_id = $1)
     SELECT x_AllotTeam AS team_id, x_AllotChargeType AS charge_type, x_AllotService AS service, BillingCurrency AS currency,
            sum(CASE (SELECT cost_metric FROM m) WHEN 'BilledCost' THEN BilledCost WHEN 'ListCost' THEN ListCost ELSE EffectiveCost END)::VARCHAR AS amount
     FROM ${f} GROUP BY ALL ORDER BY ALL`, [runId]);
  const cb = await store.all(
    `SELECT team_id, charge_type, service, currency, sum(amount_exact)::VARCHAR AS amount FROM chargeback_rows
     WHERE run_id = $1 AND charge_type <> 'adjustment' GROUP BY ALL ORDER BY ALL`, [runId]);
  expect(byRow).toEqual(cb);
  const teams = await store.all(`SELECT x_AllotTeam AS team_id, sum(x_AllotChargebackCost)::DECIMAL(38,6)::VARCHAR AS amount FROM ${f} GROUP BY 1 ORDER BY 1`);
  const csvTeams = await store.all(
    `SELECT team_id, sum(amount)::VARCHAR AS amount FROM chargeback_rows WHERE run_id = $1 AND charge_type <> 'adjustment' GROUP BY 1 ORDER BY 1`, [runId]);
  expect(teams).toEqual(csvTeams);
  expect(period).toMatch(/^\d{4}-\d{2}$/);

  // The Allocated* conditions.
  const rows = await store.all<{
    charge: string; method: string | null; details: string | null; rid: string | null; rname: string | null; tags: string | null; rtags: string | null;
    team: string; ctype: string;
  }>(`SELECT x_AllotChargeId::VARCHAR AS charge, AllocatedMethodId AS method, AllocatedMethodDetails AS details, AllocatedResourceId AS rid,
             AllocatedResourceName AS rname, AllocatedTags AS tags, Tags AS rtags, x_AllotTeam AS team, x_AllotChargeType AS ctype FROM ${f}`);
  const ratios = new Map<string, number>();
  const split = new Set<string>();
  for (const r of rows) {
    if (r.method === null) {
      // Not split: no allocation columns at all, one row for its charge.
      expect([r.details, r.rid, r.rname, r.tags]).toEqual([null, null, null, null]);
      expect(split.has(r.charge)).toBe(false);
      expect(ratios.has(r.charge)).toBe(false);
      ratios.set(r.charge, 1);
      expect(['direct', 'unallocated']).toContain(r.ctype);
      continue;
    }
    split.add(r.charge);
    expect(Object.keys(METHOD_IDS)).toContain(r.method);
    const d = JSON.parse(r.details!) as { Elements: { AllocatedRatio: unknown; UsageUnit?: unknown; UsageQuantity?: unknown }[] };
    expect(Array.isArray(d.Elements) && d.Elements.length > 0).toBe(true);
    for (const e of d.Elements) {
      expect(typeof e.AllocatedRatio).toBe('number');
      if (e.UsageQuantity !== undefined) expect(typeof e.UsageUnit).toBe('string');
      for (const k of Object.keys(e)) expect(k).toMatch(/^(AllocatedRatio|UsageUnit|UsageQuantity|x_[A-Z]\w*)$/);
      ratios.set(r.charge, (ratios.get(r.charge) ?? 0) + (e.AllocatedRatio as number));
    }
    const tags = JSON.parse(r.tags!) as Record<string, string>;
    expect(tags['allot/team']).toBe(r.team);
    expect(tags['allot/charge-type']).toBe(r.ctype);
    for (const k of Object.keys(tags)) expect(k.startsWith('allot/')).toBe(true);
    const resourceTags = r.rtags === null ? {} : (JSON.parse(r.rtags) as Record<string, string>);
    for (const k of Object.keys(tags)) expect(resourceTags[k], 'AllocatedTags repeats no resource tag').toBeUndefined();
    // Idle, and whatever stayed unallocated by the split, has no allocated resource.
    if (r.method.startsWith('allot/idle-') || r.team === 'unallocated' && r.method !== 'allot/cluster-usage') expect(r.rid).toBeNull();
    if (r.method === 'allot/cluster-usage') expect(r.rid).toBe(`${tags['allot/cluster']}/${tags['allot/namespace']}`);
    if (r.method.startsWith('allot/shared-') && r.team !== 'unallocated') expect(r.rid).toBe(`pool/${tags['allot/pool']}`);
    if (r.rid !== null) expect(r.rname).not.toBeNull();
  }
  for (const [charge, sum] of ratios) expect(Math.abs(sum - 1), `ratios of charge ${charge}`).toBeLessThan(1e-9);
}
