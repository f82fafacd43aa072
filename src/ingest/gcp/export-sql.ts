import { UsageError } from '../../util/errors.ts';

/**
 * The Cloud Billing export to BigQuery: reading its table name and schema,
 * and the SQL that aggregates one invoice month of it to Allot's grain.
 *
 * Schema reference: https://cloud.google.com/billing/docs/how-to/export-data-bigquery-tables
 * (standard: gcp_billing_export_v1_<ACCOUNT>; detailed: gcp_billing_export_resource_v1_<ACCOUNT>,
 * which adds `resource` {name, global_name}).
 */

export interface TableRef {
  project: string;
  dataset: string;
  table: string;
}

/**
 * `project.dataset.table`; also `project:dataset.table` and domain-scoped
 * projects (`example.com:proj.dataset.table`). Backticks around it are dropped.
 */
export function parseTable(spec: string): TableRef {
  const s = spec.trim().replace(/^`|`$/g, '');
  const bad = () =>
    new UsageError(`--table ${JSON.stringify(spec)}: expected project.dataset.table (the Cloud Billing export table, e.g. my-proj.billing.gcp_billing_export_v1_0123AB_4567CD_89EF01)`);
  if (/[`\\\s'"]/.test(s)) throw bad();
  const parts = s.split('.');
  if (parts.length < 3) {
    // project:dataset.table
    const m = /^(.+):([A-Za-z0-9_]+)\.([^.]+)$/.exec(s);
    if (!m) throw bad();
    return check({ project: m[1]!, dataset: m[2]!, table: m[3]! }, bad);
  }
  const table = parts.pop()!;
  const dataset = parts.pop()!;
  return check({ project: parts.join('.'), dataset, table }, bad);
}

function check(t: TableRef, bad: () => Error): TableRef {
  if (!/^[a-z](?:[a-z0-9.:-]*[a-z0-9])?$/i.test(t.project)) throw bad();
  if (!/^[A-Za-z0-9_]{1,1024}$/.test(t.dataset)) throw bad();
  if (!/^[\p{L}\p{M}\p{N}\p{Pc}\p{Pd}\p{Zs}$*]{1,1024}$/u.test(t.table)) throw bad();
  return t;
}

export function tableName(t: TableRef): string {
  return `${t.project}.${t.dataset}.${t.table}`;
}

/** A field of a BigQuery table schema (tables.get). */
export interface SchemaField {
  name: string;
  type: string;
  mode?: string;
  fields?: SchemaField[];
}

/** Which optional parts of the export schema the table has. */
export interface ExportShape {
  /** Detailed export: `resource.name` / `resource.global_name`. */
  resource: boolean;
  costAtList: boolean;
  creditType: boolean;
  usageInPricingUnits: boolean;
}

const REQUIRED = [
  'billing_account_id',
  'service.id',
  'service.description',
  'sku.id',
  'sku.description',
  'usage_start_time',
  'usage_end_time',
  'project.id',
  'project.name',
  'project.labels.key',
  'project.labels.value',
  'labels.key',
  'labels.value',
  'location.region',
  'cost',
  'currency',
  'credits.name',
  'credits.amount',
  'invoice.month',
  'cost_type',
];

function paths(fields: SchemaField[], prefix = ''): Set<string> {
  const out = new Set<string>();
  for (const f of fields) {
    const p = `${prefix}${f.name.toLowerCase()}`;
    out.add(p);
    if (f.fields) for (const sub of paths(f.fields, `${p}.`)) out.add(sub);
  }
  return out;
}

/** Checks the table is a billing export and finds its optional columns; `missing` lists what it lacks. */
export function inspectSchema(fields: SchemaField[]): { shape: ExportShape; missing: string[] } {
  const have = paths(fields);
  return {
    missing: REQUIRED.filter((p) => !have.has(p)),
    shape: {
      resource: have.has('resource.name') && have.has('resource.global_name'),
      costAtList: have.has('cost_at_list'),
      creditType: have.has('credits.type'),
      usageInPricingUnits: have.has('usage.amount_in_pricing_units') && have.has('usage.pricing_unit'),
    },
  };
}

/** The result columns of exportQuery, as the mapper reads them. */
export const RESULT_COLUMNS = [
  'billing_account_id',
  'invoice_month',
  'currency',
  'cost_type',
  'usage_start',
  'usage_end',
  'project_id',
  'project_name',
  'project_labels',
  'service_id',
  'service_name',
  'sku_id',
  'sku_description',
  'region',
  'resource_name',
  'resource_global_name',
  'labels',
  'pricing_unit',
  'pricing_quantity',
  'cost',
  'list_cost',
  'credits',
  'export_rows',
] as const;

const quote = (id: string) => `\`${id}\``;

/**
 * One invoice month (`@invoice_month`, 'YYYYMM') of the export, aggregated to
 * day × billing account × project × service × SKU × region × labels (as
 * sorted JSON) × cost type × currency (× resource, for a detailed export
 * when `resources`). Money is summed as NUMERIC and returned as STRING, so it
 * arrives exactly (a FLOAT64 `cost` is rounded to NUMERIC's 9 decimals per
 * row first); credits come per (type, name) as a REPEATED RECORD.
 */
export function exportQuery(t: TableRef, shape: ExportShape, opts: { resources: boolean }): string {
  const withResource = shape.resource && opts.resources;
  const labelsJson = (col: string) => `TO_JSON_STRING(ARRAY(SELECT AS STRUCT l.key, l.value FROM UNNEST(${col}) AS l ORDER BY l.key, l.value))`;
  const grain = [
    'billing_account_id',
    'invoice_month',
    'currency',
    'cost_type',
    'usage_day',
    'project_id',
    'project_name',
    'project_labels_json',
    'service_id',
    'service_name',
    'sku_id',
    'sku_description',
    'region',
    'resource_name',
    'resource_global_name',
    'labels_json',
    'pricing_unit',
  ].join(', ');
  // Three steps, so that GROUP BY only ever sees plain columns (the label
  // JSON and the credit list are computed per export row first).
  return `WITH src AS (
  SELECT
    billing_account_id,
    invoice.month AS invoice_month,
    currency,
    cost_type,
    TIMESTAMP_TRUNC(usage_start_time, DAY) AS usage_day,
    usage_start_time,
    usage_end_time,
    project.id AS project_id,
    project.name AS project_name,
    ${labelsJson('project.labels')} AS project_labels_json,
    service.id AS service_id,
    service.description AS service_name,
    sku.id AS sku_id,
    sku.description AS sku_description,
    location.region AS region,
    ${withResource ? 'resource.name' : 'CAST(NULL AS STRING)'} AS resource_name,
    ${withResource ? 'resource.global_name' : 'CAST(NULL AS STRING)'} AS resource_global_name,
    ${labelsJson('labels')} AS labels_json,
    ${shape.usageInPricingUnits ? 'usage.pricing_unit' : 'CAST(NULL AS STRING)'} AS pricing_unit,
    ${shape.usageInPricingUnits ? 'CAST(usage.amount_in_pricing_units AS NUMERIC)' : 'CAST(NULL AS NUMERIC)'} AS pricing_quantity_n,
    CAST(cost AS NUMERIC) AS cost_n,
    CAST(${shape.costAtList ? 'COALESCE(cost_at_list, cost)' : 'cost'} AS NUMERIC) AS list_cost_n,
    ARRAY(
      SELECT AS STRUCT ${shape.creditType ? 'cr.type' : 'CAST(NULL AS STRING)'} AS type, cr.name AS name, CAST(cr.amount AS NUMERIC) AS amount
      FROM UNNEST(credits) AS cr
    ) AS credit_rows
  FROM ${quote(t.project)}.${quote(t.dataset)}.${quote(t.table)}
  WHERE invoice.month = @invoice_month
),
grouped AS (
  SELECT
    ${grain},
    MIN(usage_start_time) AS usage_start,
    MAX(usage_end_time) AS usage_end,
    SUM(pricing_quantity_n) AS pricing_quantity_sum,
    SUM(cost_n) AS cost_sum,
    SUM(list_cost_n) AS list_cost_sum,
    ARRAY_CONCAT_AGG(credit_rows) AS credit_list,
    COUNT(*) AS export_rows
  FROM src
  GROUP BY ${grain}
)
SELECT
  billing_account_id, invoice_month, currency, cost_type, usage_start, usage_end,
  project_id, project_name, project_labels_json AS project_labels,
  service_id, service_name, sku_id, sku_description, region,
  resource_name, resource_global_name, labels_json AS labels,
  pricing_unit, CAST(pricing_quantity_sum AS STRING) AS pricing_quantity,
  CAST(cost_sum AS STRING) AS cost,
  CAST(list_cost_sum AS STRING) AS list_cost,
  ARRAY(
    SELECT AS STRUCT c.type AS type, c.name AS name, CAST(SUM(c.amount) AS STRING) AS amount
    FROM UNNEST(credit_list) AS c
    GROUP BY c.type, c.name
    HAVING SUM(c.amount) <> 0
    ORDER BY c.type, c.name
  ) AS credits,
  export_rows
FROM grouped
ORDER BY ${grain}`;
}
