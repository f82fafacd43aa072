/**
 * FOCUS (FinOps Open Cost and Usage Specification) 1.0-1.3 columns and where
 * they land in `line_items`. Column names are matched case-insensitively.
 */

/** How a FOCUS column is read and validated. */
export type ColumnKind = 'string' | 'money' | 'quantity' | 'timestamp' | 'tags';

export interface FocusColumn {
  /** The FOCUS name (PascalCase). */
  name: string;
  /** Other names accepted for it (FOCUS 1.3 renames). */
  aliases?: string[];
  /** The `line_items` column. */
  column: string;
  kind: ColumnKind;
  /** The file must have this column (Allot cannot attribute without it). */
  requiredColumn?: boolean;
  /** Every row must have a value (checked per row). */
  requiredValue?: boolean;
}

// Order matters: a row's first invalid column, in this order, is the one reported.
export const FOCUS_COLUMNS: readonly FocusColumn[] = [
  { name: 'BillingAccountId', column: 'billing_account_id', kind: 'string', requiredColumn: true, requiredValue: true },
  { name: 'BillingAccountName', column: 'billing_account_name', kind: 'string' },
  { name: 'BillingCurrency', column: 'billing_currency', kind: 'string', requiredColumn: true, requiredValue: true },
  { name: 'BillingPeriodStart', column: 'billing_period_start', kind: 'timestamp', requiredColumn: true, requiredValue: true },
  { name: 'BillingPeriodEnd', column: 'billing_period_end', kind: 'timestamp', requiredColumn: true, requiredValue: true },
  { name: 'ChargePeriodStart', column: 'charge_period_start', kind: 'timestamp', requiredColumn: true, requiredValue: true },
  { name: 'ChargePeriodEnd', column: 'charge_period_end', kind: 'timestamp', requiredColumn: true, requiredValue: true },
  { name: 'ChargeCategory', column: 'charge_category', kind: 'string', requiredColumn: true, requiredValue: true },
  { name: 'BilledCost', column: 'billed_cost', kind: 'money', requiredColumn: true, requiredValue: true },
  { name: 'EffectiveCost', column: 'effective_cost', kind: 'money', requiredColumn: true, requiredValue: true },
  { name: 'ListCost', column: 'list_cost', kind: 'money', requiredColumn: true, requiredValue: true },
  { name: 'ContractedCost', column: 'contracted_cost', kind: 'money' },
  { name: 'ServiceName', column: 'service_name', kind: 'string', requiredColumn: true },
  { name: 'ChargeClass', column: 'charge_class', kind: 'string' },
  { name: 'ChargeDescription', column: 'charge_description', kind: 'string' },
  { name: 'ChargeFrequency', column: 'charge_frequency', kind: 'string' },
  // FOCUS 1.3 replaces ProviderName (deprecated, still present) by ServiceProviderName: the newer name wins.
  { name: 'ServiceProviderName', aliases: ['ProviderName'], column: 'provider_name', kind: 'string' },
  { name: 'PublisherName', column: 'publisher_name', kind: 'string' },
  { name: 'InvoiceIssuerName', aliases: ['InvoiceIssuer'], column: 'invoice_issuer_name', kind: 'string' },
  { name: 'SubAccountId', column: 'sub_account_id', kind: 'string' },
  { name: 'SubAccountName', column: 'sub_account_name', kind: 'string' },
  { name: 'ServiceCategory', column: 'service_category', kind: 'string' },
  { name: 'RegionId', column: 'region_id', kind: 'string' },
  { name: 'RegionName', column: 'region_name', kind: 'string' },
  { name: 'AvailabilityZone', column: 'availability_zone', kind: 'string' },
  { name: 'ResourceId', column: 'resource_id', kind: 'string' },
  { name: 'ResourceName', column: 'resource_name', kind: 'string' },
  { name: 'ResourceType', column: 'resource_type', kind: 'string' },
  { name: 'SkuId', column: 'sku_id', kind: 'string' },
  { name: 'SkuPriceId', column: 'sku_price_id', kind: 'string' },
  { name: 'PricingCategory', column: 'pricing_category', kind: 'string' },
  { name: 'PricingQuantity', column: 'pricing_quantity', kind: 'quantity' },
  { name: 'PricingUnit', column: 'pricing_unit', kind: 'string' },
  { name: 'ConsumedQuantity', column: 'consumed_quantity', kind: 'quantity' },
  { name: 'ConsumedUnit', column: 'consumed_unit', kind: 'string' },
  { name: 'CommitmentDiscountId', column: 'commitment_discount_id', kind: 'string' },
  { name: 'CommitmentDiscountType', column: 'commitment_discount_type', kind: 'string' },
  { name: 'CommitmentDiscountStatus', column: 'commitment_discount_status', kind: 'string' },
  { name: 'CommitmentDiscountCategory', column: 'commitment_discount_category', kind: 'string' },
  { name: 'InvoiceId', column: 'invoice_id', kind: 'string' },
  { name: 'Tags', column: 'tags', kind: 'tags' },
];

/**
 * FOCUS 1.0-1.3 columns that `line_items` has no column for. They are
 * recognised (so they are not "vendor" columns) and not kept. Every other
 * column the file has (vendor columns, `x_` columns, a bare `Id`) is kept in
 * `line_items.extra` as a JSON object, under its name as written in the file.
 */
export const FOCUS_NOT_STORED: readonly string[] = [
  'AllocatedMethodDetails',
  'AllocatedMethodId',
  'AllocatedResourceId',
  'AllocatedResourceName',
  'AllocatedTags',
  'BillingAccountType',
  'CapacityReservationId',
  'CapacityReservationStatus',
  'CommitmentDiscountName',
  'CommitmentDiscountQuantity',
  'CommitmentDiscountUnit',
  'ContractApplied',
  'ContractedUnitPrice',
  'HostProviderName',
  'ListUnitPrice',
  'PricingCurrency',
  'PricingCurrencyContractedUnitPrice',
  'PricingCurrencyEffectiveCost',
  'PricingCurrencyListUnitPrice',
  'ServiceSubcategory',
  'SkuMeter',
  'SkuPriceDetails',
  'SubAccountType',
];

/** One column of the input file and what it maps to. */
export interface SourceColumn {
  /** The name as written in the file. */
  name: string;
  /** The DuckDB type it is read as (always VARCHAR for CSV). */
  type: string;
  /** Internal column name in the staging SQL: `__c<index>`. */
  ref: string;
}

export interface ColumnMapping {
  /** FOCUS column → the file's column that provides it. */
  mapped: Map<FocusColumn, SourceColumn>;
  /** Columns kept in `extra`. */
  extra: SourceColumn[];
  /** FOCUS names of required columns the file lacks (an alias counts as present). */
  missing: string[];
}

const normalise = (s: string): string => s.trim().toLowerCase();

/**
 * Two columns of a file that name the same thing (case-insensitively, as
 * columns are matched): which one holds the value would be a guess, so the
 * file is refused. Returns the first such pair, 1-based positions.
 */
export function duplicateColumn(names: readonly string[]): { first: string; second: string; at: [number, number] } | undefined {
  const seen = new Map<string, number>();
  for (const [i, name] of names.entries()) {
    const prev = seen.get(normalise(name));
    if (prev !== undefined) return { first: names[prev]!, second: name, at: [prev + 1, i + 1] };
    seen.set(normalise(name), i);
  }
  return undefined;
}

/** The message of a duplicate column: both names and where they are. */
export function describeDuplicate(d: { first: string; second: string; at: [number, number] }): string {
  return `duplicate column: "${d.first}" (column ${d.at[0]}) and "${d.second}" (column ${d.at[1]}) name the same column; remove one`;
}

/** Maps a file's columns to FOCUS, case-insensitively; an exact-case match wins over another spelling. */
export function mapColumns(source: readonly SourceColumn[]): ColumnMapping {
  const mapped = new Map<FocusColumn, SourceColumn>();
  const used = new Set<SourceColumn>();
  for (const col of FOCUS_COLUMNS) {
    for (const name of [col.name, ...(col.aliases ?? [])]) {
      const hit = source.find((s) => !used.has(s) && s.name.trim() === name) ?? source.find((s) => !used.has(s) && normalise(s.name) === normalise(name));
      if (hit) {
        mapped.set(col, hit);
        used.add(hit);
        break;
      }
    }
  }
  // FOCUS columns that mapped nothing (ProviderName beside ServiceProviderName) are not vendor columns either.
  const ignored = new Set([...FOCUS_NOT_STORED, ...FOCUS_COLUMNS.flatMap((c) => [c.name, ...(c.aliases ?? [])])].map(normalise));
  const extra = source.filter((s) => !used.has(s) && !ignored.has(normalise(s.name)));
  const missing = FOCUS_COLUMNS.filter((c) => c.requiredColumn && !mapped.has(c)).map((c) =>
    c.aliases?.length ? `${c.name} (or ${c.aliases.join(', ')})` : c.name,
  );
  return { mapped, extra, missing };
}
