// FOCUS 1.0 columns as the demo writes them, in the spec's (alphabetical)
// order. Money, quantities and unit prices are DECIMAL(38,10) so that CSV and
// Parquet both carry them exactly (Parquet as DECIMAL, never DOUBLE).

export type FocusColumn =
  | 'AvailabilityZone' | 'BilledCost' | 'BillingAccountId' | 'BillingAccountName' | 'BillingCurrency'
  | 'BillingPeriodEnd' | 'BillingPeriodStart' | 'ChargeCategory' | 'ChargeClass' | 'ChargeDescription'
  | 'ChargeFrequency' | 'ChargePeriodEnd' | 'ChargePeriodStart' | 'CommitmentDiscountCategory'
  | 'CommitmentDiscountId' | 'CommitmentDiscountName' | 'CommitmentDiscountStatus' | 'CommitmentDiscountType'
  | 'ConsumedQuantity' | 'ConsumedUnit' | 'ContractedCost' | 'ContractedUnitPrice' | 'EffectiveCost'
  | 'InvoiceIssuerName' | 'ListCost' | 'ListUnitPrice' | 'PricingCategory' | 'PricingQuantity' | 'PricingUnit'
  | 'ProviderName' | 'PublisherName' | 'RegionId' | 'RegionName' | 'ResourceId' | 'ResourceName' | 'ResourceType'
  | 'ServiceCategory' | 'ServiceName' | 'SkuId' | 'SkuPriceId' | 'SubAccountId' | 'SubAccountName' | 'Tags';

const DEC = 'DECIMAL(38,10)';
const TS = 'TIMESTAMP';
const V = 'VARCHAR';

/** Column name -> DuckDB type as generated (timestamps are UTC). */
export const FOCUS_COLUMNS: [FocusColumn, string][] = [
  ['AvailabilityZone', V], ['BilledCost', DEC], ['BillingAccountId', V], ['BillingAccountName', V], ['BillingCurrency', V],
  ['BillingPeriodEnd', TS], ['BillingPeriodStart', TS], ['ChargeCategory', V], ['ChargeClass', V], ['ChargeDescription', V],
  ['ChargeFrequency', V], ['ChargePeriodEnd', TS], ['ChargePeriodStart', TS], ['CommitmentDiscountCategory', V],
  ['CommitmentDiscountId', V], ['CommitmentDiscountName', V], ['CommitmentDiscountStatus', V], ['CommitmentDiscountType', V],
  ['ConsumedQuantity', DEC], ['ConsumedUnit', V], ['ContractedCost', DEC], ['ContractedUnitPrice', DEC], ['EffectiveCost', DEC],
  ['InvoiceIssuerName', V], ['ListCost', DEC], ['ListUnitPrice', DEC], ['PricingCategory', V], ['PricingQuantity', DEC], ['PricingUnit', V],
  ['ProviderName', V], ['PublisherName', V], ['RegionId', V], ['RegionName', V], ['ResourceId', V], ['ResourceName', V], ['ResourceType', V],
  ['ServiceCategory', V], ['ServiceName', V], ['SkuId', V], ['SkuPriceId', V], ['SubAccountId', V], ['SubAccountName', V], ['Tags', V],
];

export const TIMESTAMP_FORMAT = '%Y-%m-%dT%H:%M:%SZ';

/**
 * A `read_csv(..., columns=...)` struct literal for the demo's CSV files: the
 * declared types, so money is read as DECIMAL, never sniffed as DOUBLE.
 */
export function focusCsvColumnsSql(): string {
  return `{${FOCUS_COLUMNS.map(([n, t]) => `'${n}': '${t}'`).join(', ')}}`;
}

/** Internal ordering/filter columns carried next to the FOCUS columns until COPY. */
export const INTERNAL = ['_m', '_src', '_k1', '_j'] as const;

/**
 * A SELECT list with every FOCUS column (NULL where not given), each cast to its
 * declared type, plus the internal columns, so that every part of a file's
 * UNION ALL lines up by position and type.
 */
export function focusSelect(exprs: Partial<Record<FocusColumn, string>>, internal: Record<(typeof INTERNAL)[number], string>): string {
  const cols = FOCUS_COLUMNS.map(([n, t]) => `CAST(${exprs[n] ?? 'NULL'} AS ${t}) AS ${n}`);
  const extra = INTERNAL.map((k) => `CAST(${internal[k]} AS ${k === '_m' || k === '_j' ? 'INTEGER' : 'BIGINT'}) AS ${k}`);
  return [...cols, ...extra].join(',\n  ');
}

/** Columns that are the same on every row of one provider-month file. */
export const FILE_CONSTANTS: FocusColumn[] = [
  'BillingAccountId', 'BillingAccountName', 'BillingCurrency', 'BillingPeriodEnd', 'BillingPeriodStart',
  'InvoiceIssuerName', 'ProviderName', 'PublisherName',
];

const cast = (expr: string, name: FocusColumn, type: string, format: 'csv' | 'parquet') =>
  type === TS && format === 'parquet' ? `CAST(${expr} AS TIMESTAMPTZ) AS ${name}` : expr === name ? name : `CAST(${expr} AS ${type}) AS ${name}`;

/** The rows staged before COPY: every FOCUS column but the file's constants. Parquet keeps real UTC timestamps. */
export function stagedSelect(format: 'csv' | 'parquet'): string {
  return FOCUS_COLUMNS.filter(([n]) => !FILE_CONSTANTS.includes(n)).map(([n, t]) => cast(n, n, t, format)).join(', ');
}

/** The COPY projection over the staged rows: all FOCUS columns in order, constants as literals. */
export function outputSelect(format: 'csv' | 'parquet', constants: Partial<Record<FocusColumn, string>>): string {
  return FOCUS_COLUMNS.map(([n, t]) => {
    const c = constants[n];
    if (FILE_CONSTANTS.includes(n) && c === undefined) throw new Error(`no value for file constant ${n}`);
    return c === undefined ? n : cast(c, n, t, format);
  }).join(', ');
}
