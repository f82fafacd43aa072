import { BigQuery } from '@google-cloud/bigquery';
import { PassThroughClient } from 'google-auth-library';
import type { Store } from '../../store/db.ts';
import { recordNoopImport } from '../../store/imports.ts';
import { sqlFolder } from '../../store/sql.ts';
import { InputError } from '../../util/errors.ts';
import { commitPull, createLineItemStage, dropLineItemStage, type ImportMeta, type ImportResult } from '../commit.ts';
import { getTable, runQuery } from './bq-query.ts';
import { exactDecimal } from './decimal.ts';
import { GcpResponseError, bigQueryHint, type GoogleFailure } from './errors.ts';
import { RESULT_COLUMNS, exportQuery, inspectSchema, parseTable, tableName } from './export-sql.ts';
import { addMonths, parsePeriod } from '../../util/period.ts';

const sql = sqlFolder(new URL('./sql/', import.meta.url));

export const GCP_BQ_SOURCE = 'gcp-bq';

/** The import a pull of `period` from the export table `table` writes (imports.file): how a later job finds it. */
export const gcpBillingImportKey = (table: string, period: string): string => `${GCP_BQ_SOURCE}:${tableName(parseTable(table))}:${period}`;

export interface GcpPullOptions {
  /** Invoice month, `YYYY-MM`. */
  period: string;
  /** The Cloud Billing export table, `project.dataset.table`. */
  table: string;
  /** The project that runs (and pays for) the query job; default: the table's project. An injected client's own projectId wins. */
  project?: string;
  /** Query location; default: the table's location. */
  location?: string;
  /** Keep `resource.name/global_name` in the grain for a detailed export (default true). */
  resources?: boolean;
  /** A ready client (tests, or a caller with its own credentials). Default: ADC, BIGQUERY_EMULATOR_HOST. */
  client?: BigQuery;
  /** Rows per results page (default 10,000). */
  pageSize?: number;
  /** Pause between polls of a running job (default 500 ms) and the longest wait for it (default 1 h). */
  pollIntervalMs?: number;
  maxWaitMs?: number;
  /** Called after each results page with the rows read so far. */
  onPage?: (rowsRead: number) => void;
}

export interface GcpPullResult extends ImportResult {
  source: typeof GCP_BQ_SOURCE;
  table: string;
  period: string;
  /** The `file` recorded in the import log: `gcp-bq:<table>:<period>`. */
  file: string;
  jobProject: string;
  /** Detailed export (resource-level rows) or standard. */
  export: 'detailed' | 'standard';
  /** Rows staged: one per result row, plus one Credit row per credit type and name. */
  creditRows: number;
  /** Σ BilledCost per currency over the imported rows (exact decimal strings). */
  totals: { currency: string; billed: string; credits: string }[];
  /** Where the rows landed: a row belongs to the period of its ChargePeriodStart (late usage can fall before the invoice month). */
  chargePeriods: { period: string; rows: number }[];
}

const CHARGE_CATEGORY: Record<string, string> = {
  regular: 'Usage',
  tax: 'Tax',
  adjustment: 'Adjustment',
  rounding_error: 'Adjustment',
};

/** FOCUS ServiceCategory for the common services; others stay empty rather than guessed. */
const SERVICE_CATEGORY: Record<string, string> = {
  'Compute Engine': 'Compute',
  'Kubernetes Engine': 'Compute',
  'Cloud Run': 'Compute',
  'Cloud Run Functions': 'Compute',
  'Cloud Functions': 'Compute',
  'App Engine': 'Compute',
  'Cloud Storage': 'Storage',
  'Filestore': 'Storage',
  'BigQuery': 'Analytics',
  'BigQuery Storage API': 'Analytics',
  'BigQuery Reservation API': 'Analytics',
  'Dataflow': 'Analytics',
  'Cloud Dataflow': 'Analytics',
  'Dataproc': 'Analytics',
  'Cloud Dataproc': 'Analytics',
  'Cloud Composer': 'Analytics',
  'Looker Studio': 'Analytics',
  'Cloud SQL': 'Databases',
  'Cloud Spanner': 'Databases',
  'Cloud Bigtable': 'Databases',
  'Cloud Memorystore for Redis': 'Databases',
  'Memorystore for Redis': 'Databases',
  'AlloyDB': 'Databases',
  'Cloud Firestore': 'Databases',
  'Firestore': 'Databases',
  'Cloud Datastore': 'Databases',
  'Networking': 'Networking',
  'Cloud DNS': 'Networking',
  'Cloud CDN': 'Networking',
  'Cloud NAT': 'Networking',
  'Cloud Load Balancing': 'Networking',
  'Cloud Logging': 'Management and Governance',
  'Cloud Monitoring': 'Management and Governance',
  'Stackdriver Logging': 'Management and Governance',
  'Stackdriver Monitoring': 'Management and Governance',
  'Vertex AI': 'AI and Machine Learning',
  'Gemini API': 'AI and Machine Learning',
  'Cloud Vision API': 'AI and Machine Learning',
  'Cloud Speech API': 'AI and Machine Learning',
  'Cloud Translation API': 'AI and Machine Learning',
  'Cloud Natural Language API': 'AI and Machine Learning',
  'Cloud Pub/Sub': 'Integration',
  'Pub/Sub': 'Integration',
  'Cloud Tasks': 'Integration',
  'Cloud Scheduler': 'Integration',
  'Workflows': 'Integration',
  'Secret Manager': 'Security',
  'Cloud Key Management Service (KMS)': 'Security',
  'Cloud Armor': 'Security',
  'Security Command Center': 'Security',
  'Artifact Registry': 'Developer Tools',
  'Container Registry': 'Developer Tools',
  'Container Registry Vulnerability Scanning': 'Security',
  'Cloud Build': 'Developer Tools',
};

/** `2025-01` → `202501`, the export's invoice.month. */
function invoiceMonth(period: string): string {
  return parsePeriod(period, '--period (the invoice month)').replace('-', '');
}

/**
 * The BigQuery client Allot makes when none is given: Application Default
 * Credentials, job project `project`. With BIGQUERY_EMULATOR_HOST set the SDK
 * sends every call there; an emulator takes no credentials, so none are looked up.
 */
export function defaultBigQueryClient(project: string, env: NodeJS.ProcessEnv = process.env): BigQuery {
  const emulator = env.BIGQUERY_EMULATOR_HOST;
  return new BigQuery({
    projectId: project,
    ...(emulator ? { authClient: new PassThroughClient() } : {}),
    retryOptions: { autoRetry: true, maxRetries: 5, retryDelayMultiplier: 2, maxRetryDelay: 32, totalTimeout: 600 },
  });
}

/**
 * Pulls one invoice month of the Cloud Billing export from BigQuery into the
 * store as one import of FOCUS line items (source `gcp-bq`). A later pull of
 * the same month replaces the earlier rows (same billing account and billing
 * period). A failed or malformed pull writes nothing; an empty month records a
 * no-op import and changes nothing.
 */
export async function pullGcpBilling(store: Store, opts: GcpPullOptions): Promise<GcpPullResult> {
  const month = invoiceMonth(opts.period);
  const table = parseTable(opts.table);
  const name = tableName(table);
  const jobProject = opts.client ? (opts.client.projectId ?? opts.project ?? table.project) : (opts.project ?? table.project);
  const bq = opts.client ?? defaultBigQueryClient(jobProject);
  const hint = (f: GoogleFailure) => bigQueryHint(f, { jobProject, table: name });
  const file = gcpBillingImportKey(name, opts.period);

  const meta = await getTable(bq, table, hint);
  const { shape, missing } = inspectSchema(meta.fields);
  if (missing.length) {
    throw new GcpResponseError(
      `BigQuery: ${name} is not a Cloud Billing usage cost export: it has no column${missing.length === 1 ? '' : 's'} ${missing.join(', ')}`,
    );
  }
  const query = exportQuery(table, shape, { resources: opts.resources ?? true });

  const ctx: MapContext = {
    file,
    month,
    periodStart: `${opts.period}-01 00:00:00`,
    periodEnd: `${addMonths(opts.period, 1)}-01 00:00:00`,
  };
  let rowsRead = 0;
  let staged = 0;
  let creditRows = 0;
  await createLineItemStage(store);
  try {
    let checkedSchema = false;
    for await (const page of runQuery(bq, {
      sql: query,
      params: { invoice_month: month },
      location: opts.location ?? meta.location,
      pageSize: opts.pageSize ?? 10_000,
      pollIntervalMs: opts.pollIntervalMs ?? 500,
      maxWaitMs: opts.maxWaitMs ?? 3_600_000,
      hint,
    })) {
      if (!checkedSchema) {
        const have = new Set(page.schema.map((f) => f.name));
        const lacking = RESULT_COLUMNS.filter((c) => !have.has(c));
        if (lacking.length) throw new GcpResponseError(`BigQuery: the query result lacks column${lacking.length === 1 ? '' : 's'} ${lacking.join(', ')}; nothing was imported`);
        checkedSchema = true;
      }
      const items: StagedItem[] = [];
      for (const row of page.rows) {
        rowsRead += 1;
        for (const item of mapRow(row, rowsRead, ctx)) {
          item.source_line = ++staged;
          if (item.charge_category === 'Credit') creditRows += 1;
          items.push(item);
        }
      }
      await stage(store, items);
      opts.onPage?.(rowsRead);
    }

    const base = {
      source: GCP_BQ_SOURCE as typeof GCP_BQ_SOURCE,
      table: name,
      period: opts.period,
      file,
      jobProject,
      export: shape.resource ? ('detailed' as const) : ('standard' as const),
    };
    if (rowsRead === 0) {
      const note = `no rows for invoice month ${month} in ${name}; nothing changed`;
      const importId = await recordNoopImport(store, { source: GCP_BQ_SOURCE, file, sha256: null, format: 'api', note });
      return { ...base, importId, status: 'noop', rowsRead: 0, rowsLoaded: 0, rowsRejected: 0, replaced: [], note, creditRows: 0, totals: [], chargePeriods: [] };
    }

    const totals = await store.all<{ currency: string; billed: string; credits: string }>(sql('stage-totals'));
    const chargePeriods = await store.all<{ period: string; rows: string }>(sql('stage-periods'));
    const importMeta: ImportMeta = { source: GCP_BQ_SOURCE, file, format: 'api', sha256: null, rowsRead };
    const result = await store.transaction(() => commitPull(store, importMeta, `${GCP_BQ_SOURCE}:${name}`));
    return {
      ...result,
      ...base,
      creditRows,
      totals: totals.map((t) => ({ currency: t.currency, billed: trimDecimal(t.billed), credits: trimDecimal(t.credits) })),
      chargePeriods: chargePeriods.map((p) => ({ period: p.period, rows: Number(p.rows) })),
    };
  } finally {
    await dropLineItemStage(store);
  }
}

function trimDecimal(s: string): string {
  const d = exactDecimal(s);
  return d.ok ? d.value : s;
}

interface MapContext {
  file: string;
  month: string;
  periodStart: string;
  periodEnd: string;
}

/** A stage_line_items row, as JSON for the insert. */
interface StagedItem {
  source_line: number;
  billing_account_id: string;
  billing_period_start: string;
  billing_period_end: string;
  charge_period_start: string;
  charge_period_end: string;
  billing_currency: string;
  billed_cost: string;
  effective_cost: string;
  list_cost: string;
  charge_category: string;
  charge_class: string | null;
  charge_description: string | null;
  charge_frequency: string | null;
  provider_name: string;
  publisher_name: string;
  invoice_issuer_name: string;
  sub_account_id: string | null;
  sub_account_name: string | null;
  service_name: string | null;
  service_category: string | null;
  region_id: string | null;
  resource_id: string | null;
  resource_name: string | null;
  sku_id: string | null;
  pricing_quantity: string | null;
  pricing_unit: string | null;
  tags: Record<string, string>;
  extra: Record<string, unknown>;
}

type Row = Record<string, unknown>;

/** One result row → its Usage/Tax/Adjustment row and one Credit row per credit (type, name). */
export function mapRow(row: Row, n: number, ctx: MapContext): StagedItem[] {
  const fail = (column: string, why: string): never => {
    throw new InputError(ctx.file, n, column, `${why}; nothing was imported`);
  };
  // InputError prints FILE:LINE; here LINE is the result row number.
  const str = (column: string, required: boolean): string | null => {
    const v = row[column];
    if (v === null || v === undefined || v === '') return required ? fail(column, 'is empty') : null;
    if (typeof v !== 'string') return fail(column, `expected text, got ${JSON.stringify(v)}`);
    return v;
  };
  const dec = (column: string, value: unknown): string => {
    const d = exactDecimal(value);
    return d.ok ? d.value : fail(column, d.why);
  };
  const ts = (column: string): string => {
    const v = row[column];
    const text =
      typeof v === 'string' ? v
      : v instanceof Date ? v.toISOString()
      : v && typeof v === 'object' && typeof (v as { value?: unknown }).value === 'string' ? (v as { value: string }).value
      : undefined;
    if (!text || !/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]00(:?00)?)?$/.test(text)) return fail(column, `not a timestamp: ${JSON.stringify(v)}`);
    return text;
  };
  const labels = (column: string): Record<string, string> => {
    const v = row[column];
    if (v === null || v === undefined || v === '') return {};
    let parsed: unknown;
    try {
      parsed = typeof v === 'string' ? JSON.parse(v) : v;
    } catch {
      return fail(column, `not a JSON list of {key, value}: ${JSON.stringify(v).slice(0, 80)}`);
    }
    if (!Array.isArray(parsed)) return fail(column, `not a JSON list of {key, value}: ${JSON.stringify(v).slice(0, 80)}`);
    const out: Record<string, string> = {};
    for (const l of parsed) {
      if (!l || typeof l !== 'object' || typeof (l as Row).key !== 'string') return fail(column, `label without a key: ${JSON.stringify(l)}`);
      const value = (l as Row).value;
      if (value !== null && value !== undefined && typeof value !== 'string') return fail(column, `label ${(l as Row).key as string}: value is not text`);
      out[(l as { key: string }).key] = (value as string | null) ?? '';
    }
    return out;
  };

  const invoice = str('invoice_month', true)!;
  if (invoice !== ctx.month) fail('invoice_month', `is ${invoice}, the pull asked for ${ctx.month}`);
  const costType = str('cost_type', true)!;
  const category = CHARGE_CATEGORY[costType];
  if (!category) fail('cost_type', `unknown cost type ${JSON.stringify(costType)} (Allot maps regular, tax, adjustment, rounding_error)`);
  const currency = str('currency', true)!;
  if (!/^[A-Z]{3}$/.test(currency)) fail('currency', `not an ISO 4217 code: ${JSON.stringify(currency)}`);
  // Usage times are always set in the export; should a group have none, it is charged at the start of the invoice month.
  const start = row.usage_start === null || row.usage_start === undefined ? ctx.periodStart : ts('usage_start');
  const end = row.usage_end === null || row.usage_end === undefined ? start : ts('usage_end');
  const ms = (x: string) => Date.parse(x.replace(' ', 'T') + (/(Z|[+-]\d\d(:?\d\d)?)$/.test(x) ? '' : 'Z'));
  if (ms(end) < ms(start)) fail('usage_end', `is before usage_start (${start})`);
  const cost = dec('cost', row.cost);
  const list = row.list_cost === null || row.list_cost === undefined ? cost : dec('list_cost', row.list_cost);
  const quantity = row.pricing_quantity === null || row.pricing_quantity === undefined ? null : dec('pricing_quantity', row.pricing_quantity);
  const serviceName = str('service_name', false);
  const resourceName = str('resource_name', false);
  const resourceGlobal = str('resource_global_name', false);
  const tags = { ...labels('project_labels'), ...labels('labels') };
  const exportRows = row.export_rows;

  const common = {
    billing_account_id: str('billing_account_id', true)!,
    billing_period_start: ctx.periodStart,
    billing_period_end: ctx.periodEnd,
    charge_period_start: start,
    charge_period_end: end,
    billing_currency: currency,
    provider_name: 'Google Cloud',
    publisher_name: 'Google Cloud',
    invoice_issuer_name: 'Google Cloud',
    sub_account_id: str('project_id', false),
    sub_account_name: str('project_name', false),
    service_name: serviceName,
    service_category: serviceName ? (SERVICE_CATEGORY[serviceName] ?? null) : null,
    region_id: str('region', false),
    resource_id: resourceGlobal ?? resourceName,
    resource_name: resourceName,
    sku_id: str('sku_id', false),
    charge_class: null,
    tags,
  };
  const extra = {
    x_InvoiceMonth: invoice,
    x_CostType: costType,
    x_ServiceId: str('service_id', false),
    x_SkuDescription: str('sku_description', false),
    x_ExportRows: typeof exportRows === 'number' || typeof exportRows === 'string' ? Number(exportRows) : null,
  };
  const items: StagedItem[] = [
    {
      source_line: 0,
      ...common,
      billed_cost: cost,
      effective_cost: cost,
      list_cost: list,
      charge_category: category!,
      charge_description: str('sku_description', false),
      charge_frequency: category === 'Usage' ? 'Usage-Based' : null,
      pricing_quantity: quantity,
      pricing_unit: str('pricing_unit', false),
      extra,
    },
  ];
  const credits = row.credits ?? [];
  if (!Array.isArray(credits)) fail('credits', `not a list: ${JSON.stringify(credits).slice(0, 80)}`);
  for (const [i, c] of (credits as unknown[]).entries()) {
    if (!c || typeof c !== 'object') fail('credits', `credit ${i + 1} is not a record`);
    const credit = c as Row;
    const amount = exactDecimal(credit.amount);
    if (!amount.ok) fail(`credits[${i + 1}].amount`, amount.why);
    const value = (amount as { value: string }).value;
    if (value === '0') continue;
    const type = typeof credit.type === 'string' ? credit.type : null;
    const name = typeof credit.name === 'string' ? credit.name : null;
    items.push({
      source_line: 0,
      ...common,
      billed_cost: value,
      effective_cost: value,
      // A credit lowers what is billed, not the list price.
      list_cost: '0',
      charge_category: 'Credit',
      charge_description: name ?? type,
      charge_frequency: null,
      pricing_quantity: null,
      pricing_unit: null,
      extra: { ...extra, x_CreditType: type, x_CreditName: name },
    });
  }
  return items;
}

async function stage(store: Store, items: StagedItem[]): Promise<void> {
  if (!items.length) return;
  await store.run(sql('stage'), [JSON.stringify(items)]);
}
