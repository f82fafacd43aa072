import { BigQuery } from '@google-cloud/bigquery';
import { PassThroughClient } from 'google-auth-library';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { attribute } from '../../src/allocate/run.ts';
import { main } from '../../src/cli/main.ts';
import { GcpApiError, GcpResponseError, parseTable, pullGcpBilling } from '../../src/ingest/gcp/index.ts';
import { exactDecimal, unitsNanos } from '../../src/ingest/gcp/decimal.ts';
import { Store } from '../../src/store/db.ts';
import { InputError } from '../../src/util/errors.ts';
import { config, rows, tempStore } from '../allocate/fixture.ts';
import { DETAILED_SCHEMA, STANDARD_SCHEMA, TABLE, exportRow, resultSchema, type ExportRowSpec } from '../fixtures/gcp/export.ts';
import { bqError, startBigQueryServer, type BigQueryServer, type BigQueryServerOptions, type BqReply, type Field } from '../servers/bigquery.ts';

// No credentials, no metadata server: the SDKs must never leave 127.0.0.1.
process.env.METADATA_SERVER_DETECTION = 'none';
process.env.GCE_METADATA_HOST = '127.0.0.1:9';

const PERIOD = '2025-10';

let store: Store;
let server: BigQueryServer | undefined;
beforeEach(async () => {
  store = await tempStore();
});
afterEach(async () => {
  store.close();
  await server?.close();
  server = undefined;
});

/** A local BigQuery holding the export table; `months` maps 'YYYYMM' to the aggregated rows the query returns. */
async function serve(
  months: Record<string, ExportRowSpec[]>,
  more: Partial<BigQueryServerOptions> & { tableSchema?: Field[]; money?: 'STRING' | 'NUMERIC' } = {},
): Promise<BigQueryServer> {
  const [project, dataset, table] = [TABLE.split('.')[0]!, TABLE.split('.')[1]!, TABLE.split('.')[2]!];
  server = await startBigQueryServer({
    tables: { [`${project}.${dataset}.${table}`]: { schema: more.tableSchema ?? DETAILED_SCHEMA, location: 'EU' } },
    result: (sql, params) => {
      expect(sql).toContain('WHERE invoice.month = @invoice_month');
      expect(sql).toContain(`FROM \`${project}\`.\`${dataset}\`.\`${table}\``);
      return { schema: resultSchema(more.money), rows: (months[params.invoice_month!] ?? []).map(exportRow) };
    },
    pageSize: 2,
    ...more,
  });
  return server;
}

/** The SDK client as Allot's callers inject it: no auth, fast retries. */
function client(s: BigQueryServer, maxRetries = 3): BigQuery {
  return new BigQuery({
    projectId: 'finops-jobs',
    apiEndpoint: s.url,
    authClient: new PassThroughClient(),
    retryOptions: { maxRetries, maxRetryDelay: 0.002 },
  });
}

const pull = (s: BigQueryServer, extra: Partial<Parameters<typeof pullGcpBilling>[1]> = {}) =>
  pullGcpBilling(store, { period: PERIOD, table: TABLE, client: client(s), pollIntervalMs: 1, pageSize: 2, ...extra });

async function counts(): Promise<{ imports: number; items: number; current: number }> {
  const r = (await store.one<{ imports: string; items: string; current: string }>(
    `SELECT (SELECT count(*) FROM imports)::VARCHAR AS imports, (SELECT count(*) FROM line_items)::VARCHAR AS items,
            (SELECT count(*) FROM line_items WHERE superseded_by IS NULL)::VARCHAR AS current`,
  ))!;
  return { imports: Number(r.imports), items: Number(r.items), current: Number(r.current) };
}

const OCTOBER: ExportRowSpec[] = [
  {
    day: 1, cost: '12.3456789', list: '15.5', quantity: '240', resource: 'gke-prod-pool-1-abc',
    globalName: '//compute.googleapis.com/projects/shop-payments-prod/zones/us-central1-a/instances/123',
    projectLabels: { env: 'prod', team: 'platform' }, labels: { team: 'payments', 'goog-k8s-cluster-name': 'prod' },
    credits: [
      { type: 'SUSTAINED_USAGE_DISCOUNT', name: 'Sustained usage discount', amount: '-1.2345678' },
      { type: 'FREE_TIER', name: 'Free tier', amount: '-0.000000001' },
      { type: 'PROMOTION', name: 'Zero promo', amount: '0' },
    ],
  },
  { day: 2, cost: '3.000000001', project: 'shop-search', projectName: 'Search', service: 'Cloud Storage', sku: 'Standard Storage US Multi-region', region: 'us', unit: 'gibibyte month', quantity: '1.5' },
  { day: 31, cost: '1.19', costType: 'tax', project: null, service: 'Taxes', sku: 'Sales tax', region: null, unit: null, quantity: null, list: null },
  { day: 15, cost: '-0.5', costType: 'adjustment', service: 'Compute Engine', sku: 'Correction', list: null },
  { day: 31, cost: '0.000001', costType: 'rounding_error', project: null, service: 'Invoice', sku: 'Rounding error', region: null },
];

describe('allot ingest gcp-bq: mapping to FOCUS', () => {
  it('pages through the results and stores exact amounts, separate Credit rows, merged labels and FOCUS categories', async () => {
    const s = await serve({ '202510': OCTOBER }, { incompletePolls: 2 });
    const r = await pull(s);
    expect(r).toMatchObject({
      status: 'active', source: 'gcp-bq', table: TABLE, period: PERIOD, export: 'detailed', jobProject: 'finops-jobs',
      file: `gcp-bq:${TABLE}:${PERIOD}`, rowsRead: 5, rowsLoaded: 7, creditRows: 2, replaced: [],
      totals: [{ currency: 'USD', billed: '14.8011121', credits: '-1.234567801' }],
      chargePeriods: [{ period: '2025-10', rows: 7 }],
    });
    // tables.get, jobs.query (not complete), two polls, then pages of 2 rows via pageToken.
    const calls = s.requests.map((q) => `${q.method} ${q.path}${q.query.pageToken ? ` @${q.query.pageToken}` : ''}`);
    expect(calls).toEqual([
      `GET /bigquery/v2/projects/billing-admin/datasets/billing_export/tables/gcp_billing_export_resource_v1_01A2B3_C4D5E6_F7A8B9`,
      'POST /bigquery/v2/projects/finops-jobs/queries',
      expect.stringMatching(/^GET \/bigquery\/v2\/projects\/finops-jobs\/queries\/job_\w+$/),
      expect.stringMatching(/^GET \/bigquery\/v2\/projects\/finops-jobs\/queries\/job_\w+$/),
      expect.stringMatching(/ @2$/),
      expect.stringMatching(/ @4$/),
    ]);
    const post = s.requests[1]!.body!;
    expect(post).toMatchObject({
      useLegacySql: false, parameterMode: 'NAMED', location: 'EU', maxResults: 2,
      queryParameters: [{ name: 'invoice_month', parameterType: { type: 'STRING' }, parameterValue: { value: '202510' } }],
    });
    expect(s.requests.every((q) => q.headers.authorization === undefined)).toBe(true);

    const items = await store.all(
      `SELECT source_line, billing_account_id, billing_period_start::VARCHAR AS bps, billing_period_end::VARCHAR AS bpe,
              charge_period_start::VARCHAR AS cps, period, charge_category, billed_cost::VARCHAR AS billed,
              effective_cost::VARCHAR AS effective, list_cost::VARCHAR AS list, sub_account_id, sub_account_name, service_name,
              service_category, region_id, resource_id, resource_name, sku_id, charge_description, pricing_quantity::VARCHAR AS qty,
              pricing_unit, provider_name, tags, extra->>'x_CreditType' AS credit_type, extra->>'x_CostType' AS cost_type
       FROM line_items ORDER BY source_line`,
    );
    expect(items).toHaveLength(7);
    expect(items[0]).toMatchObject({
      source_line: '1', billing_account_id: '01A2B3-C4D5E6-F7A8B9', bps: '2025-10-01 00:00:00', bpe: '2025-11-01 00:00:00',
      cps: '2025-10-01 00:00:00', period: '2025-10', charge_category: 'Usage',
      billed: '12.345678900000', effective: '12.345678900000', list: '15.500000000000',
      sub_account_id: 'shop-payments-prod', sub_account_name: 'Payments prod', service_name: 'Compute Engine', service_category: 'Compute',
      region_id: 'us-central1', resource_id: '//compute.googleapis.com/projects/shop-payments-prod/zones/us-central1-a/instances/123',
      resource_name: 'gke-prod-pool-1-abc', sku_id: 'CF4E-A0C7-E3BF', charge_description: 'N2 Instance Core running in Americas',
      qty: '240.000000000000', pricing_unit: 'hour', provider_name: 'Google Cloud', cost_type: 'regular', credit_type: null,
    });
    // Resource labels win over project labels; keys as they are.
    const tags = Object.fromEntries((items[0]!.tags as { key: string; value: string }[]).map((t) => [t.key, t.value]));
    expect(tags).toEqual({ env: 'prod', team: 'payments', 'goog-k8s-cluster-name': 'prod' });
    // Credits: one row per (type, name), same dimensions, list cost 0; a zero credit is dropped.
    expect(items.slice(1, 3)).toMatchObject([
      { charge_category: 'Credit', billed: '-1.234567800000', effective: '-1.234567800000', list: '0.000000000000', credit_type: 'SUSTAINED_USAGE_DISCOUNT', charge_description: 'Sustained usage discount', sub_account_id: 'shop-payments-prod', resource_name: 'gke-prod-pool-1-abc', qty: null },
      { charge_category: 'Credit', billed: '-0.000000001000', list: '0.000000000000', credit_type: 'FREE_TIER', charge_description: 'Free tier' },
    ]);
    expect(items.slice(3).map((i) => [i.charge_category, i.billed, i.list, i.sub_account_id, i.service_category])).toEqual([
      ['Usage', '3.000000001000', '3.000000001000', 'shop-search', 'Storage'],
      ['Tax', '1.190000000000', '1.190000000000', null, null],
      ['Adjustment', '-0.500000000000', '-0.500000000000', 'shop-payments-prod', 'Compute'],
      ['Adjustment', '0.000001000000', '0.000001000000', null, null],
    ]);
    const imp = await store.one(`SELECT source, file, content_sha256, format, rows_read::VARCHAR AS rr, rows_loaded::VARCHAR AS rl, status, coverage::VARCHAR AS coverage FROM imports`);
    expect(imp).toEqual({
      source: 'gcp-bq', file: `gcp-bq:${TABLE}:${PERIOD}`, content_sha256: null, format: 'api', rr: '5', rl: '7', status: 'active',
      coverage: '[{"billing_account_id":"01A2B3-C4D5E6-F7A8B9","billing_period_start":"2025-10-01T00:00:00Z","rows":7}]',
    });
  });

  it('a second pull of the same month replaces the first instead of adding to it', async () => {
    const s = await serve({ '202510': OCTOBER, '202509': [{ cost: '1.00', month: '202509' }] });
    const first = await pull(s);
    await pull(s, { period: '2025-09' });
    const second = await pull(s);
    expect(second.replaced).toEqual([first.importId + 1]); // the delivery of the first pull
    const sums = await store.all(
      `SELECT period, sum(billed_cost)::VARCHAR AS billed, count(*)::VARCHAR AS n FROM line_items WHERE superseded_by IS NULL GROUP BY ALL ORDER BY ALL`,
    );
    expect(sums).toEqual([
      { period: '2025-09', billed: '1.000000000000', n: '1' },
      { period: '2025-10', billed: '14.801112100000', n: '7' },
    ]);
    const log = await store.all(`SELECT import_id, status, superseded_by FROM imports ORDER BY import_id`);
    expect(log).toEqual([
      { import_id: first.importId, status: 'superseded', superseded_by: second.importId + 1 }, // the second pull's delivery
      { import_id: first.importId + 2, status: 'active', superseded_by: null },
      { import_id: second.importId, status: 'active', superseded_by: null },
    ]);
  });

  it('an empty invoice month records a no-op and changes nothing', async () => {
    const s = await serve({ '202510': OCTOBER });
    await pull(s);
    const before = await counts();
    const r = await pull(s, { period: '2025-11' });
    expect(r).toMatchObject({ status: 'noop', rowsRead: 0, rowsLoaded: 0, replaced: [], note: `no rows for invoice month 202511 in ${TABLE}; nothing changed` });
    expect(await counts()).toEqual({ imports: before.imports + 1, items: before.items, current: before.current });
    expect(await store.one(`SELECT status, file FROM imports WHERE import_id = $1`, [r.importId])).toEqual({ status: 'noop', file: `gcp-bq:${TABLE}:2025-11` });
  });

  it('late usage of the invoice month lands in the month it started (ChargePeriodStart)', async () => {
    const s = await serve({ '202510': [{ cost: '2.5' }, { cost: '0.75', month: '202510', day: 30 }] }, {
      result: () => ({
        schema: resultSchema(),
        rows: [exportRow({ cost: '2.5' }), { ...exportRow({ cost: '0.75' }), usage_start: '2025-09-30T22:00:00Z', usage_end: '2025-09-30T23:00:00Z' }],
      }),
    });
    const r = await pull(s);
    expect(r.chargePeriods).toEqual([{ period: '2025-09', rows: 1 }, { period: '2025-10', rows: 1 }]);
    expect(await store.all(`SELECT period, billing_period_start::VARCHAR AS bps FROM line_items ORDER BY period`)).toEqual([
      { period: '2025-09', bps: '2025-10-01 00:00:00' },
      { period: '2025-10', bps: '2025-10-01 00:00:00' },
    ]);
  });

  it('a standard export queries no resource columns; NUMERIC money arrives as Big and stays exact', async () => {
    const s = await serve(
      { '202510': [{ cost: '0.000000001', list: '1234567890123.123456789', credits: [{ type: 'DISCOUNT', name: 'Spending based discount', amount: '-0.000000001' }] }] },
      { tableSchema: STANDARD_SCHEMA, money: 'NUMERIC' },
    );
    const r = await pull(s);
    expect(r).toMatchObject({ export: 'standard', rowsLoaded: 2 });
    const sql = String(s.requests[1]!.body!.query);
    expect(sql).not.toContain('resource.name');
    expect(sql).toContain('CAST(NULL AS STRING) AS resource_name');
    expect(sql).toContain('COALESCE(cost_at_list, cost)');
    expect(await store.all(`SELECT billed_cost::VARCHAR AS b, list_cost::VARCHAR AS l, resource_id FROM line_items ORDER BY source_line`)).toEqual([
      { b: '0.000000001000', l: '1234567890123.123456789000', resource_id: null },
      { b: '-0.000000001000', l: '0.000000000000', resource_id: null },
    ]);
  });

  it('--no-resources aggregates a detailed export without resource columns', async () => {
    const s = await serve({ '202510': [{ cost: '1' }] });
    await pull(s, { resources: false });
    expect(String(s.requests[1]!.body!.query)).toContain('CAST(NULL AS STRING) AS resource_global_name');
  });
});

describe('allot ingest gcp-bq: failures write nothing', () => {
  it('retries 429 and 503 (same requestId) and then succeeds', async () => {
    const s = await serve({ '202510': OCTOBER }, {
      fail: [
        { match: 'POST', reply: bqError(429, 'rateLimitExceeded', 'Exceeded rate limits: too many api requests per user per method for this user_method.') },
        { match: 'POST', reply: bqError(503, 'backendError', 'Error encountered during execution. Retrying may solve the problem.') },
        { match: 'GET /bigquery/v2/projects/finops-jobs/queries/', reply: bqError(503, 'backendError', 'Backend error') },
      ],
    });
    const r = await pull(s);
    expect(r.rowsLoaded).toBe(7);
    const posts = s.requests.filter((q) => q.method === 'POST');
    expect(posts).toHaveLength(3);
    expect(new Set(posts.map((p) => p.body!.requestId)).size).toBe(1);
  });

  it('gives up on a 5xx storm with a clear error, and the earlier import stays as it was', async () => {
    const s = await serve({ '202510': OCTOBER });
    await pull(s);
    const before = await counts();
    await s.close();
    const storm = await serve({ '202510': OCTOBER }, {
      intercept: (q) => (q.path.includes('/queries/') && q.query.pageToken === '4' ? bqError(503, 'backendError', 'Backend error. Please try again.') : undefined),
    });
    const err = await pull(storm).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GcpApiError);
    expect((err as Error).message).toBe(
      'BigQuery: reading results page 3 (jobs.getQueryResults) failed: HTTP 503 backendError: Backend error. Please try again. — BigQuery is unavailable or throttling; nothing was imported, try again later',
    );
    expect(storm.requests.filter((q) => q.query.pageToken === '4')).toHaveLength(4); // 1 + 3 retries
    expect(await counts()).toEqual(before);
    expect(await store.one(`SELECT count(*)::VARCHAR AS n FROM duckdb_tables() WHERE table_name = 'stage_line_items'`)).toEqual({ n: '0' });
  });

  it('a 403 names the missing permission and the roles Allot needs', async () => {
    const msg = 'Access Denied: Project finops-jobs: User does not have bigquery.jobs.create permission in project finops-jobs.';
    const s = await serve({ '202510': OCTOBER }, { fail: [{ match: 'POST', reply: bqError(403, 'accessDenied', msg) }] });
    const err = (await pull(s).catch((e: unknown) => e)) as GcpApiError;
    expect(err).toBeInstanceOf(GcpApiError);
    expect(err.exitCode).toBe(1);
    expect(err.message).toBe(
      `BigQuery: starting the query (jobs.query) failed: HTTP 403 accessDenied: ${msg} — Allot needs bigquery.jobs.create on the job project finops-jobs ` +
        `(roles/bigquery.jobUser; choose another with --project) and bigquery.tables.get + bigquery.tables.getData on ${TABLE} (roles/bigquery.dataViewer on its dataset)`,
    );
    expect(s.requests.filter((q) => q.method === 'POST')).toHaveLength(1); // not retried
    expect(await counts()).toEqual({ imports: 0, items: 0, current: 0 });
  });

  it('a missing table says so', async () => {
    const s = await serve({});
    const err = await pullGcpBilling(store, { period: PERIOD, table: 'billing-admin.billing_export.nope', client: client(s) }).catch((e: unknown) => e);
    expect((err as Error).message).toBe(
      'BigQuery: reading the schema of billing-admin.billing_export.nope (tables.get) failed: HTTP 404 notFound: Not found: Table billing-admin:billing_export.nope — ' +
        'check --table: it must name the Cloud Billing export table as project.dataset.table (billing-admin.billing_export.nope)',
    );
  });

  it('a table that is not a billing export is refused before any query runs', async () => {
    const s = await serve({}, { tableSchema: [{ name: 'billing_account_id', type: 'STRING' }, { name: 'cost', type: 'FLOAT' }] });
    const err = await pull(s).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GcpResponseError);
    expect((err as Error).message).toMatch(/^BigQuery: .* is not a Cloud Billing usage cost export: it has no columns service\.id, service\.description, /);
    expect(s.requests.some((q) => q.method === 'POST')).toBe(false);
  });

  const job = { jobId: 'job_x', projectId: 'finops-jobs', location: 'EU' };
  const page = (extra: Record<string, unknown>) => ({ status: 200, body: { jobReference: job, jobComplete: true, schema: { fields: resultSchema() }, ...extra } });
  const malformed: [string, BqReply, RegExp][] = [
    ['HTML instead of JSON', { status: 200, body: '<html><body>Proxy login</body></html>' }, /starting the query \(jobs\.query\): unexpected response \(not a JSON object\): "<html><body>Proxy login/],
    ['an empty body', { status: 200, body: '' }, /unexpected response \(not a JSON object\): an empty body; nothing was imported$/],
    ['no jobReference', { status: 200, body: { jobComplete: true, rows: [] } }, /unexpected response \(no jobReference\.jobId\)/],
    ['no schema', { status: 200, body: { jobReference: job, jobComplete: true, rows: [] } }, /unexpected response \(no schema\.fields\)/],
    ['rows not in {f:[{v}]} form', page({ rows: [{ x: 1 }] }), /unexpected response \(row 1 of the page is not \{f:\[\{v\}…\]\} with 23 cells\)/],
    ['a TIMESTAMP that is not int64 µs', page({ rows: [{ f: resultSchema().map((f) => ({ v: f.type === 'TIMESTAMP' ? 'yesterday' : f.mode === 'REPEATED' ? [] : 'x' })) }] }), /unexpected response \(cannot decode rows: /],
  ];
  it.each(malformed)('refuses a malformed reply: %s', async (_name, reply, message) => {
    const s = await serve({ '202510': OCTOBER }, { intercept: (q) => (q.method === 'POST' ? reply : undefined) });
    const err = await pull(s).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GcpResponseError);
    expect((err as Error).message).toMatch(message);
    expect(await counts()).toEqual({ imports: 0, items: 0, current: 0 });
  });

  it('refuses a malformed later page after staging earlier ones, writing nothing', async () => {
    const s = await serve({ '202510': OCTOBER }, { intercept: (q) => (q.query.pageToken === '2' ? { status: 200, body: '' } : undefined) });
    const err = await pull(s).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/^BigQuery: reading results page 2 \(jobs\.getQueryResults\): unexpected response \(not a JSON object\): an empty body/);
    expect(await counts()).toEqual({ imports: 0, items: 0, current: 0 });
  });

  const badRows: [string, Partial<Record<string, unknown>>, string][] = [
    ['a cost that is not a decimal', { cost: '12,5' }, `gcp-bq:${TABLE}:${PERIOD}:3: column cost: not a decimal: "12,5"; nothing was imported`],
    ['an unknown cost type', { cost_type: 'refund' }, `gcp-bq:${TABLE}:${PERIOD}:3: column cost_type: unknown cost type "refund" (Allot maps regular, tax, adjustment, rounding_error); nothing was imported`],
    ['another invoice month', { invoice_month: '202509' }, `gcp-bq:${TABLE}:${PERIOD}:3: column invoice_month: is 202509, the pull asked for 202510; nothing was imported`],
    ['labels that are not JSON', { labels: '{team: x}' }, `gcp-bq:${TABLE}:${PERIOD}:3: column labels: not a JSON list of {key, value}: "{team: x}"; nothing was imported`],
    ['a credit amount that is not a decimal', { credits: [{ type: 'PROMOTION', name: 'p', amount: 'NaN' }] }, `gcp-bq:${TABLE}:${PERIOD}:3: column credits[1].amount: not a decimal: "NaN"; nothing was imported`],
  ];
  it.each(badRows)('refuses a row with %s, naming the result row and column', async (_name, patch, message) => {
    const s = await serve({}, { result: () => ({ schema: resultSchema(), rows: OCTOBER.map((r, i) => (i === 2 ? { ...exportRow(r), ...patch } : exportRow(r))) }) });
    const err = await pull(s).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toBe(message);
    expect(await counts()).toEqual({ imports: 0, items: 0, current: 0 });
  });

  it('refuses money that arrives as a binary float', async () => {
    const schema = resultSchema().map((f) => (f.name === 'cost' ? { ...f, type: 'FLOAT' } : f));
    const s = await serve({}, { result: () => ({ schema, rows: [exportRow({ cost: '0.1' })] }) });
    const err = await pull(s).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/:1: column cost: not an exact decimal: got the binary float 0\.1 \(cast the column to STRING or NUMERIC in SQL\)/);
  });

  it('a result without the expected columns is refused', async () => {
    const s = await serve({}, { result: () => ({ schema: [{ name: 'cost', type: 'STRING' }], rows: [{ cost: '1' }] }) });
    const err = await pull(s).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/^BigQuery: the query result lacks columns billing_account_id, invoice_month, /);
  });
});

describe('standard configuration', () => {
  it('BIGQUERY_EMULATOR_HOST sends every call to the emulator, without credentials', async () => {
    const s = await serve({ '202510': OCTOBER });
    const saved = process.env.BIGQUERY_EMULATOR_HOST;
    process.env.BIGQUERY_EMULATOR_HOST = s.url;
    try {
      // No client: Allot builds its own as it would in production (ADC), and the SDK honours the variable.
      const r = await pullGcpBilling(store, { period: PERIOD, table: TABLE, pollIntervalMs: 1, pageSize: 2 });
      expect(r).toMatchObject({ status: 'active', rowsLoaded: 7, jobProject: 'billing-admin' });
    } finally {
      if (saved === undefined) delete process.env.BIGQUERY_EMULATOR_HOST;
      else process.env.BIGQUERY_EMULATOR_HOST = saved;
    }
    // The emulator base URL is used verbatim (no /bigquery/v2); the job runs in the table's project by default.
    expect(s.requests.map((q) => `${q.method} ${q.path.replace(/job_\w+/, 'JOB')}`).slice(0, 3)).toEqual([
      'GET /projects/billing-admin/datasets/billing_export/tables/gcp_billing_export_resource_v1_01A2B3_C4D5E6_F7A8B9',
      'POST /projects/billing-admin/queries',
      'GET /projects/billing-admin/queries/JOB',
    ]);
    expect(s.requests.every((q) => q.headers.authorization === undefined)).toBe(true);
  });

  it('--table accepts project.dataset.table, domain-scoped projects and the legacy colon form; refuses the rest', () => {
    expect(parseTable('p.d.t')).toEqual({ project: 'p', dataset: 'd', table: 't' });
    expect(parseTable('`example.com:proj.billing.gcp_billing_export_v1_X`')).toEqual({ project: 'example.com:proj', dataset: 'billing', table: 'gcp_billing_export_v1_X' });
    expect(parseTable('my-proj:billing.export')).toEqual({ project: 'my-proj', dataset: 'billing', table: 'export' });
    for (const bad of ['d.t', 'p.d.t`; DROP', 'p.d-x.t', '']) expect(() => parseTable(bad)).toThrow(/--table .*expected project\.dataset\.table/);
  });

  it('--period must be YYYY-MM', async () => {
    await expect(pullGcpBilling(store, { period: '2025-13', table: TABLE })).rejects.toThrow('--period (the invoice month) must be YYYY-MM, got "2025-13"');
  });
});

describe('exact decimals', () => {
  it('reads decimal text, exponent notation and Big exactly, and refuses floats', () => {
    expect(exactDecimal('12.3456789')).toEqual({ ok: true, value: '12.3456789' });
    expect(exactDecimal('-000.10')).toEqual({ ok: true, value: '-0.1' });
    expect(exactDecimal('1e-9')).toEqual({ ok: true, value: '0.000000001' });
    expect(exactDecimal('-1.25E+3')).toEqual({ ok: true, value: '-1250' });
    expect(exactDecimal({ toFixed: () => '0.000000001' })).toEqual({ ok: true, value: '0.000000001' });
    expect(exactDecimal(0.1)).toMatchObject({ ok: false });
    expect(exactDecimal('abc')).toMatchObject({ ok: false });
  });

  it('units + nanos with string arithmetic', () => {
    expect(unitsNanos('0', 31611000)).toBe('0.031611');
    expect(unitsNanos('12', 500000000)).toBe('12.5');
    expect(unitsNanos('-1', -250000000)).toBe('-1.25');
    expect(unitsNanos('9007199254740993', 1)).toBe('9007199254740993.000000001');
    expect(unitsNanos('0', 0)).toBe('0');
    expect(() => unitsNanos('x', 0)).toThrow(/units is not an integer/);
    expect(() => unitsNanos('0', 1e9)).toThrow(/nanos/);
  });
});

describe('a pulled month flows through attribute()', () => {
  it('a team owning a project gets its cost with credits; the rest is unallocated; it reconciles', async () => {
    const s = await serve({ '202510': OCTOBER });
    await pull(s);
    const cfg = config(`
teams:
  - { id: payments, name: Payments, cost_center: CC-1, gl_account: "6100", accounts: [shop-payments-prod] }
  - { id: search, name: Search, cost_center: CC-2, gl_account: "6200", accounts: [shop-search] }
`);
    const run = await attribute(store, cfg, PERIOD);
    // payments: 12.3456789 − 1.2345678 − 0.000000001 − 0.5 = 10.611111099 → 10.61
    // search: 3.000000001 → 3.00; no project: tax 1.19 + rounding 0.000001 → 1.19
    expect(await rows(store, run.runId)).toEqual({
      'payments/direct/Compute Engine/USD': '10.61',
      'search/direct/Cloud Storage/USD': '3.00',
      'unallocated/unallocated/Invoice/USD': '0.00',
      'unallocated/unallocated/Taxes/USD': '1.19',
    });
    expect(run.totals).toMatchObject([{ currency: 'USD', ok: true }]);
  });
});

describe('the CLI', () => {
  it('allot ingest gcp-bq pulls through BIGQUERY_EMULATOR_HOST and prints the import; allot prices gcp is registered', async () => {
    const s = await serve({ '202510': OCTOBER });
    const dir = mkdtempSync(join(tmpdir(), 'allot-gcp-cli-'));
    const out: string[] = [];
    const err: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((t) => (out.push(String(t)), true));
    vi.spyOn(process.stderr, 'write').mockImplementation((t) => (err.push(String(t)), true));
    const saved = process.env.BIGQUERY_EMULATOR_HOST;
    process.env.BIGQUERY_EMULATOR_HOST = s.url;
    const allot = (...args: string[]) => main(['node', 'allot', '--db', join(dir, 'allot.duckdb'), ...args]);
    try {
      expect(await allot('ingest', 'gcp-bq', '--period', PERIOD, '--table', TABLE, '--project', 'finops-jobs')).toBe(0);
      expect(await allot('ingest', 'gcp-bq', '--period', '2025-11', '--table', TABLE)).toBe(0);
      expect(await allot('ingest', 'gcp-bq', '--period', 'October', '--table', TABLE)).toBe(2);
      expect(await allot('prices', 'gcp', '--help')).toBe(0);
    } finally {
      vi.restoreAllMocks();
      if (saved === undefined) delete process.env.BIGQUERY_EMULATOR_HOST;
      else process.env.BIGQUERY_EMULATOR_HOST = saved;
    }
    const text = out.join('');
    expect(text).toContain(`gcp-bq:${TABLE}:${PERIOD}: import #1: 7 rows imported (2 credit rows) from 5 result rows, detailed export, job project finops-jobs\n  USD: billed 14.80 (credits -1.23)\n`);
    expect(text).toContain(`gcp-bq:${TABLE}:2025-11: import #3: no rows for invoice month 202511 in ${TABLE}; nothing changed`);
    expect(text).toContain('Compute Engine on-demand vCPU and RAM list prices');
    expect(err.join('')).toContain('allot: --period must be YYYY-MM, got "October"');
    expect(s.requests.find((q) => q.method === 'POST')!.path).toBe('/projects/finops-jobs/queries');
    const store = await Store.open(join(dir, 'allot.duckdb'));
    try {
      expect(await store.one(`SELECT count(*)::VARCHAR AS n FROM line_items`)).toEqual({ n: '7' });
    } finally {
      store.close();
    }
  });
});
