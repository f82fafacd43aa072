// Deliveries: vendor export layouts and manifests (written as each vendor
// writes them, see test/fixtures/deliveries.ts), and how a delivery relates
// to earlier ones. Every refusal leaves the store as it was.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ingestAwsCurFiles } from '../../src/ingest/aws-cur/ingest.ts';
import { commitLineItems, createLineItemStage, dropLineItemStage } from '../../src/ingest/commit.ts';
import { ingestFocusFiles } from '../../src/ingest/focus/ingest.ts';
import { Store } from '../../src/store/db.ts';
import { AllotError } from '../../src/util/errors.ts';
import { awsDataExport, azureExport, focusCsv, legacyCurAssembly, monthOfRows, ociFocusReport, type FocusRow } from '../fixtures/deliveries.ts';

const ROOT = resolve(import.meta.dirname, '../..');

let dir: string;
let store: Store;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'allot-deliveries-'));
  store = await Store.open(join(dir, 'store.duckdb'));
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** What attribution would read: current rows, and their BilledCost per account and currency. */
async function current(): Promise<{ billing_account_id: string; currency: string; rows: number; billed: string }[]> {
  return store.all(
    `SELECT billing_account_id, billing_currency AS currency, count(*)::INTEGER AS rows, sum(billed_cost)::DECIMAL(38,2)::VARCHAR AS billed
     FROM line_items WHERE superseded_by IS NULL GROUP BY ALL ORDER BY ALL`,
  );
}

/** Everything an import could have written, to show a refusal wrote nothing. */
async function footprint(): Promise<unknown> {
  return store.one(
    `SELECT (SELECT count(*) FROM line_items)::INTEGER AS line_items, (SELECT count(*) FROM imports)::INTEGER AS imports,
            (SELECT count(*) FROM deliveries)::INTEGER AS deliveries, (SELECT count(*) FROM delivery_parts)::INTEGER AS parts,
            (SELECT count(*) FROM line_items WHERE superseded_by IS NULL)::INTEGER AS current`,
  );
}

async function refusal(p: Promise<unknown>): Promise<Error> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(AllotError);
  return e as Error;
}

/**
 * One month of an Azure FOCUS export in EUR, as two parts by row count:
 * 160 rows (days 1-16, 11.19 EUR) and 160 rows (days 16-31, 9.70 EUR), 20.89 EUR in all.
 */
function azureMonth(scale = 1): [string, string] {
  const rows: FocusRow[] = [];
  for (let i = 0; i < 320; i++) {
    const day = `2026-10-${String(1 + Math.floor((i * 31) / 320)).padStart(2, '0')}`;
    rows.push({ account: 'EA-7654321', day, cost: '0', sub: `sub-${i % 4}`, resource: `vm-${i}`, timestamps: 'minutes' });
  }
  // Exact cents: 11.19 over the first 160 rows, 9.70 over the rest.
  const cents = (total: number, n: number) => Array.from({ length: n }, (_, k) => Math.floor((total * (k + 1)) / n) - Math.floor((total * k) / n));
  const costs = [...cents(1119 * scale, 160), ...cents(970 * scale, 160)];
  rows.forEach((r, i) => (r.cost = (costs[i]! / 100).toFixed(2)));
  return [focusCsv(rows.slice(0, 160)), focusCsv(rows.slice(160))];
}

describe('loose files never leave part of the bill behind silently', () => {
  it('parts imported by separate commands: the second is refused, with what to do; together they import the whole month', async () => {
    const [p1, p2] = azureMonth();
    const part1 = join(dir, 'part_0_0001.csv');
    const part2 = join(dir, 'part_0_0002.csv');
    writeFileSync(part1, p1);
    writeFileSync(part2, p2);
    await ingestFocusFiles(store, [part1]);
    expect(await current()).toEqual([{ billing_account_id: 'EA-7654321', currency: 'EUR', rows: 160, billed: '11.19' }]);
    const before = await footprint();
    const e = await refusal(ingestFocusFiles(store, [part2]));
    expect(e.message).toBe(
      'part_0_0002.csv would replace billing account EA-7654321, 2026-10 (delivery #2: 160 rows, 16 charge days, 11.19 EUR) with rows that ' +
        'repeat none of its 160 line items and leave out 15 charge days it covers (2026-10-01 to 2026-10-15): it looks like another part of the ' +
        `same export, not a restatement. Import all parts of the export together in one command (allot ingest focus ${part2} and the other parts) ` +
        'or give its manifest; if it really replaces the stored rows, add --replace. Nothing was imported',
    );
    expect(await footprint()).toEqual(before);

    // Both parts together: the first is the import already made (its rows stand for it), the second is added.
    const r = await ingestFocusFiles(store, [part1, part2]);
    expect(r.files.map((f) => [basename(f.file), f.status])).toEqual([['part_0_0001.csv', 'noop'], ['part_0_0002.csv', 'active']]);
    expect(r.deliveries[0]).toMatchObject({ status: 'active', parts: [{ importId: 1, fresh: false }, { fresh: true }], replaced: [] });
    expect(await current()).toEqual([{ billing_account_id: 'EA-7654321', currency: 'EUR', rows: 320, billed: '20.89' }]);
    expect(await store.all('SELECT delivery_id, status, superseded_by FROM deliveries ORDER BY 1')).toEqual([
      { delivery_id: 2, status: 'superseded', superseded_by: r.deliveries[0]!.deliveryId },
      { delivery_id: r.deliveries[0]!.deliveryId, status: 'active', superseded_by: null },
    ]);
  });

  it('re-giving the parts together repairs what separate commands with --replace left', async () => {
    const [p1, p2] = azureMonth();
    const part1 = join(dir, 'part_0_0001.csv');
    const part2 = join(dir, 'part_0_0002.csv');
    writeFileSync(part1, p1);
    writeFileSync(part2, p2);
    await ingestFocusFiles(store, [part1]);
    await ingestFocusFiles(store, [part2], { replace: true });
    expect(await current()).toEqual([{ billing_account_id: 'EA-7654321', currency: 'EUR', rows: 160, billed: '9.70' }]);
    // Both files were imported before; given together, their rows are current again as one delivery.
    const r = await ingestFocusFiles(store, [part1, part2]);
    expect(r.files.map((f) => f.status)).toEqual(['noop', 'noop']);
    expect(r.deliveries[0]).toMatchObject({ status: 'active', parts: [{ importId: 1, fresh: false }, { importId: 3, fresh: false }] });
    expect(await current()).toEqual([{ billing_account_id: 'EA-7654321', currency: 'EUR', rows: 320, billed: '20.89' }]);
    expect(await store.all('SELECT import_id, status FROM imports ORDER BY 1')).toEqual([
      { import_id: 1, status: 'active' },
      { import_id: 3, status: 'active' },
    ]);
    // Given again, nothing changes.
    expect((await ingestFocusFiles(store, [part1, part2])).deliveries[0]).toMatchObject({ status: 'noop', note: `same as delivery #${r.deliveries[0]!.deliveryId}; nothing changed` });
  });

  it('a restatement of the month (the same line items, new amounts) replaces the loose files of that account and period, and only those', async () => {
    writeFileSync(join(dir, 'oct.csv'), focusCsv(monthOfRows('2026-10', '1.00', { account: 'A', subs: 2 })));
    writeFileSync(join(dir, 'other.csv'), focusCsv(monthOfRows('2026-10', '2.00', { account: 'B', days: 3 })));
    writeFileSync(join(dir, 'sep.csv'), focusCsv(monthOfRows('2026-09', '3.00', { account: 'A', days: 2 })));
    await ingestFocusFiles(store, [join(dir, 'oct.csv')]);
    await ingestFocusFiles(store, [join(dir, 'other.csv')]);
    await ingestFocusFiles(store, [join(dir, 'sep.csv')]);
    writeFileSync(join(dir, 'oct-restated.csv'), focusCsv(monthOfRows('2026-10', '1.10', { account: 'A', subs: 2 })));
    const r = await ingestFocusFiles(store, [join(dir, 'oct-restated.csv')]);
    expect(r.deliveries[0]!.changes).toEqual([
      {
        billing_account_id: 'A',
        billing_period: '2026-10',
        before: { rows: 62, charge_days: 31, sub_accounts: 2, billed_cost: [{ currency: 'EUR', amount: '62.000000000000' }] },
        after: { rows: 62, charge_days: 31, sub_accounts: 2, billed_cost: [{ currency: 'EUR', amount: '68.200000000000' }] },
        replaced_deliveries: [2],
      },
    ]);
    expect(await store.all(`SELECT billing_account_id, period, count(*)::INTEGER AS n, sum(billed_cost)::DECIMAL(38,2)::VARCHAR AS billed
                            FROM line_items WHERE superseded_by IS NULL GROUP BY ALL ORDER BY ALL`)).toEqual([
      { billing_account_id: 'A', period: '2026-09', n: 2, billed: '6.00' },
      { billing_account_id: 'A', period: '2026-10', n: 62, billed: '68.20' },
      { billing_account_id: 'B', period: '2026-10', n: 3, billed: '6.00' },
    ]);
  });

  it('the same content twice in one call is counted once; a CSV and its gzip are the same content', async () => {
    const csv = focusCsv(monthOfRows('2026-10', '0.50', { account: 'A', days: 4 }));
    writeFileSync(join(dir, 'aws-10.csv'), csv);
    writeFileSync(join(dir, 'aws-10.csv.gz'), gzipSync(csv));
    const r = await ingestFocusFiles(store, [join(dir, 'aws-10.csv'), join(dir, 'aws-10.csv.gz')]);
    expect(r.files.map((f) => [basename(f.file), f.status])).toEqual([['aws-10.csv', 'active'], ['aws-10.csv.gz', 'duplicate']]);
    expect(r.deliveries[0]!.parts.map((p) => [p.importId === null, p.note ?? null])).toEqual([
      [false, null],
      [true, `same content as ${join(dir, 'aws-10.csv')}; counted once`],
    ]);
    expect(await current()).toEqual([{ billing_account_id: 'A', currency: 'EUR', rows: 4, billed: '2.00' }]);
  });
});

describe('manifests: Azure Cost Management exports', () => {
  it('imports the parts a manifest lists as one delivery, each held against its row count, minute-precision timestamps included', async () => {
    const container = join(dir, 'msexports');
    const run = azureExport(container, { exportName: 'focus-monthly', month: '2026-10', parts: azureMonth(), submitted: '2026-11-02T05:15:00' });
    const r = await ingestFocusFiles(store, [run.manifest]);
    expect(r.deliveries).toHaveLength(1);
    expect(r.deliveries[0]).toMatchObject({
      layout: 'azure-export',
      exportKey: 'azure:/providers/Microsoft.Billing/billingAccounts/1234567/providers/Microsoft.CostManagement/exports/focus-monthly',
      ref: run.runId,
      rowsLoaded: 320,
      parts: [{ expectedRows: 160, rowsRead: 160 }, { expectedRows: 160, rowsRead: 160 }],
    });
    expect(await current()).toEqual([{ billing_account_id: 'EA-7654321', currency: 'EUR', rows: 320, billed: '20.89' }]);
    expect(await store.one(`SELECT strftime(min(charge_period_start), '%Y-%m-%d %H:%M:%S') AS first FROM line_items`)).toEqual({ first: '2026-10-01 00:00:00' });
    expect(await store.one(`SELECT delivered_at::VARCHAR AS at, manifest FROM deliveries`)).toEqual({ at: '2026-11-02 05:15:00.523', manifest: run.manifest });
    // The folder holding it does the same: nothing new.
    expect((await ingestFocusFiles(store, [container])).deliveries[0]).toMatchObject({ status: 'noop' });
  });

  it('a missing part, a short part, or a part with fewer rows than listed is refused by name, and nothing is written', async () => {
    const container = join(dir, 'msexports');
    const run = azureExport(container, { exportName: 'focus-monthly', month: '2026-10', parts: azureMonth(), submitted: '2026-11-02T05:15:00' });
    const before = await footprint();
    rmSync(run.parts[1]!);
    const key = run.parts[1]!.slice(container.length + 1);
    expect((await refusal(ingestFocusFiles(store, [run.manifest]))).message).toBe(
      `${run.manifest}: lists ${key}, which is not here (looked for …/${run.runId}/part_0_0002.csv beside the manifest and in its parent folders); nothing was imported`,
    );
    expect(await footprint()).toEqual(before);

    writeFileSync(run.parts[1]!, azureMonth()[1]);
    const size = readFileSync(run.parts[1]!).length;
    truncateSync(run.parts[1]!, size - 40);
    expect((await refusal(ingestFocusFiles(store, [run.manifest]))).message).toBe(
      `${run.parts[1]}: ${run.manifest} lists ${size} bytes for this part, the file has ${size - 40}: a short or changed part; nothing was imported`,
    );
    // Bytes as listed, one row fewer than listed (a manifest from another run, say).
    const m = JSON.parse(readFileSync(run.manifest, 'utf8'));
    writeFileSync(run.parts[1]!, azureMonth()[1]);
    m.blobs[1].dataRowCount = 161;
    m.dataRowCount = 321;
    writeFileSync(run.manifest, JSON.stringify(m));
    expect((await refusal(ingestFocusFiles(store, [run.manifest]))).message).toBe(
      `${run.parts[1]}: ${run.manifest} lists 161 rows for this part, the file has 160: a short or changed part; nothing was imported`,
    );
    expect(await footprint()).toEqual(before);
  });

  it('a later run restates the month: it replaces the earlier delivery of the same export, and only that', async () => {
    const container = join(dir, 'msexports');
    const first = azureExport(container, { exportName: 'focus-monthly', month: '2026-10', parts: azureMonth(), submitted: '2026-11-02T05:15:00' });
    const other = azureExport(container, {
      exportName: 'focus-monthly', scope: '7777777', month: '2026-10', submitted: '2026-11-02T05:20:00',
      parts: [focusCsv(monthOfRows('2026-10', '1.00', { account: 'EA-7777777', days: 2 }))],
    });
    writeFileSync(join(dir, 'loose.csv'), focusCsv(monthOfRows('2026-10', '5.00', { account: 'AWS-1', days: 1 })));
    await ingestFocusFiles(store, [first.manifest, other.manifest, join(dir, 'loose.csv')]);
    const d1 = (await store.one<{ d: number }>(`SELECT delivery_id AS d FROM deliveries WHERE delivery_ref = $1`, [first.runId]))!.d;

    const second = azureExport(container, { exportName: 'focus-monthly', month: '2026-10', parts: azureMonth(2), submitted: '2026-11-03T05:15:00' });
    const r = await ingestFocusFiles(store, [second.manifest]);
    expect(r.deliveries[0]).toMatchObject({ ref: second.runId, replaced: [d1] });
    expect(await current()).toEqual([
      { billing_account_id: 'AWS-1', currency: 'EUR', rows: 1, billed: '5.00' },
      { billing_account_id: 'EA-7654321', currency: 'EUR', rows: 320, billed: '41.78' },
      { billing_account_id: 'EA-7777777', currency: 'EUR', rows: 2, billed: '2.00' },
    ]);
    expect(await store.all(`SELECT delivery_ref AS ref, status FROM deliveries WHERE layout = 'azure-export' ORDER BY delivery_id`)).toEqual([
      { ref: first.runId, status: 'superseded' },
      { ref: other.runId, status: 'active' },
      { ref: second.runId, status: 'active' },
    ]);
  });

  it('a folder holding several runs of a month imports the newest', async () => {
    const container = join(dir, 'msexports');
    azureExport(container, { exportName: 'focus-monthly', month: '2026-10', parts: azureMonth(), submitted: '2026-11-02T05:15:00' });
    const newest = azureExport(container, { exportName: 'focus-monthly', month: '2026-10', parts: azureMonth(3), submitted: '2026-11-04T05:15:00' });
    azureExport(container, { exportName: 'focus-monthly', month: '2026-10', parts: azureMonth(2), submitted: '2026-11-03T05:15:00' });
    const r = await ingestFocusFiles(store, [container]);
    expect(r.deliveries.map((d) => d.ref)).toEqual([newest.runId]);
    expect(await current()).toEqual([{ billing_account_id: 'EA-7654321', currency: 'EUR', rows: 320, billed: '62.67' }]);
  });
});

describe('manifests: AWS Data Exports and legacy CUR', () => {
  it('imports only the files the manifest lists (the overwrite mode leaves stale, emptied chunks), either partition spelling', async () => {
    const root = join(dir, 's3', 'exports');
    const rows = monthOfRows('2026-10', '1.25', { account: '123456789012', provider: 'AWS', subs: 3 });
    for (const key of ['BILLING_PERIOD', 'billing_period'] as const) {
      const x = awsDataExport(root, { exportName: `focus-${key}`, month: '2026-10', partitionKey: key, stale: 1, parts: [focusCsv(rows.slice(0, 50)), focusCsv(rows.slice(50))] });
      const s = await Store.open(join(dir, `${key}.duckdb`));
      try {
        const r = await ingestFocusFiles(s, [join(root, `focus-${key}`)]);
        expect(r.deliveries).toHaveLength(1);
        expect(r.deliveries[0]).toMatchObject({ layout: 'aws-data-exports', ref: x.executionId, parts: [{ file: x.parts[0] }, { file: x.parts[1] }], rowsLoaded: 93 });
        expect(r.deliveries[0]!.exportKey).toMatch(/^aws-data-exports:arn:aws:bcm-data-exports:us-east-1:111122223333:export\/focus-/);
      } finally {
        s.close();
      }
    }
  });

  it('legacy CUR: the period folder names the current assembly; older assemblies are left alone; the next assembly restates the month', async () => {
    const root = join(dir, 'bucket');
    const legacy = readFileSync(join(ROOT, 'test/fixtures/aws-cur/legacy-2024-03.csv'), 'utf8').trimEnd().split('\n');
    const [head, ...body] = legacy;
    const old = legacyCurAssembly(root, { reportName: 'acme', month: '2024-03', parts: [`${[head, ...body.slice(0, 2)].join('\n')}\n`] });
    const cur = legacyCurAssembly(root, { reportName: 'acme', month: '2024-03', parts: [`${[head, ...body.slice(0, 4)].join('\n')}\n`, `${[head, ...body.slice(4)].join('\n')}\n`] });
    const r = await ingestAwsCurFiles(store, [root]);
    expect(r.deliveries).toHaveLength(1);
    expect(r.deliveries[0]).toMatchObject({ layout: 'aws-cur-manifest', ref: cur.assemblyId, exportKey: 'aws-cur:acme-cur/cur/acme', parts: [{}, {}] });
    expect(r.mapping).toMatchObject([{ billingPeriod: '2024-03', rows: 8, ok: true }]);
    expect(old.assemblyId).not.toBe(cur.assemblyId);
    // Giving the older assembly's manifest on purpose restates the month with it.
    const back = await ingestAwsCurFiles(store, [old.copy]);
    expect(back.deliveries[0]).toMatchObject({ ref: old.assemblyId, replaced: [r.deliveries[0]!.deliveryId] });
    expect(await store.one(`SELECT count(*)::INTEGER AS n FROM line_items WHERE superseded_by IS NULL`)).toEqual({ n: 2 });
  });
});

describe("incremental sources: Oracle's FOCUS reports", () => {
  it('each file adds its rows; the same file again changes nothing; minute-precision timestamps are read', async () => {
    const oci = (day: string, cost: string) =>
      focusCsv([{ account: 'ocid1.tenancy.oc1..aaaa', provider: 'Oracle', day, cost, currency: 'USD', service: 'COMPUTE', timestamps: 'minutes' }]);
    const root = join(dir, 'bling');
    const f1 = ociFocusReport(root, { day: '2024-08-16', seq: 1000002103533, csv: oci('2024-08-16', '1.20') });
    const f2 = ociFocusReport(root, { day: '2024-08-17', seq: 1000002103534, csv: oci('2024-08-17', '0.80') });
    const r1 = await ingestFocusFiles(store, [f1]);
    expect(r1.deliveries[0]).toMatchObject({ layout: 'oci-focus', mode: 'append' });
    await ingestFocusFiles(store, [f2]);
    expect(await current()).toEqual([{ billing_account_id: 'ocid1.tenancy.oc1..aaaa', currency: 'USD', rows: 2, billed: '2.00' }]);
    expect((await ingestFocusFiles(store, [f1])).deliveries[0]).toMatchObject({ status: 'noop' });
    // The folder of reports (no manifest) is the files in it.
    expect((await ingestFocusFiles(store, [join(root, 'FOCUS Reports')])).deliveries[0]).toMatchObject({ status: 'noop', parts: [{}, {}] });
    expect(await current()).toEqual([{ billing_account_id: 'ocid1.tenancy.oc1..aaaa', currency: 'USD', rows: 2, billed: '2.00' }]);
  });

  it('--append makes any loose files incremental', async () => {
    writeFileSync(join(dir, 'd1.csv'), focusCsv([{ account: 'A', day: '2026-10-01', cost: '1.00' }]));
    writeFileSync(join(dir, 'd2.csv'), focusCsv([{ account: 'A', day: '2026-10-02', cost: '2.00' }]));
    await ingestFocusFiles(store, [join(dir, 'd1.csv')], { append: true });
    await ingestFocusFiles(store, [join(dir, 'd2.csv')], { append: true });
    expect(await current()).toEqual([{ billing_account_id: 'A', currency: 'EUR', rows: 2, billed: '3.00' }]);
  });
});

describe('dates and FOCUS 1.3', () => {
  it('a date outside the years a bill can have is an invalid row with its line', async () => {
    const f = join(dir, 'far.csv');
    const good = focusCsv([{ account: 'A', day: '2026-10-01', cost: '1.00' }, { account: 'A', day: '2026-10-02', cost: '1.00' }]);
    writeFileSync(f, good.replace('2026-10-02T00:00:00Z,2026-10-03', '20260-10-02T00:00:00Z,2026-10-03'));
    const last = new Date().getUTCFullYear() + 1;
    expect((await refusal(ingestFocusFiles(store, [f]))).message).toBe(`${f}:3: column ChargePeriodStart: out of range (2000 to ${last}): "20260-10-02T00:00:00Z"`);
    writeFileSync(f, good.replace('2026-10-02T00:00:00Z,2026-10-03', '1999-10-02T00:00:00Z,2026-10-03'));
    expect((await refusal(ingestFocusFiles(store, [f]))).message).toBe(`${f}:3: column ChargePeriodStart: out of range (2000 to ${last}): "1999-10-02T00:00:00Z"`);
    expect(await footprint()).toEqual({ line_items: 0, imports: 0, deliveries: 0, parts: 0, current: 0 });
  });

  it('imports FOCUS 1.3 (ServiceProviderName beside the deprecated ProviderName) and keeps InvoiceId', async () => {
    const f = join(dir, 'focus13.csv');
    writeFileSync(f, focusCsv([{ account: 'A', day: '2026-10-01', cost: '1.00', provider: 'Microsoft', invoiceId: 'INV-1' }], { focus13: true }));
    await ingestFocusFiles(store, [f]);
    expect(await store.one(`SELECT provider_name, invoice_id, extra FROM line_items`)).toEqual({ provider_name: 'Microsoft', invoice_id: 'INV-1', extra: null });
  });
});

describe('a delivery is all or nothing, also when the process is killed', () => {
  it('rows committed before their delivery was recorded (a crash between its two transactions) count nowhere, and the next import clears them', async () => {
    // What the first of a delivery's two transactions commits (src/ingest/delivery/run.ts), left alone as a crash would leave it.
    await store.transaction(async () => {
      await createLineItemStage(store);
      await store.run(
        `INSERT INTO stage_line_items BY NAME
         SELECT 1 AS source_line, 'A' AS billing_account_id, TIMESTAMP '2026-10-01' AS billing_period_start, TIMESTAMP '2026-11-01' AS billing_period_end,
                TIMESTAMP '2026-10-02' AS charge_period_start, TIMESTAMP '2026-10-03' AS charge_period_end, 'USD' AS billing_currency,
                5 AS billed_cost, 5 AS effective_cost, 5 AS list_cost, 'Usage' AS charge_category`,
      );
      await commitLineItems(store, { source: 'focus', file: 'cut-short.csv', format: 'csv', sha256: 'cut-short', rowsRead: 1 });
      await dropLineItemStage(store);
    });
    expect(await footprint()).toEqual({ line_items: 1, imports: 1, deliveries: 0, parts: 0, current: 0 });
    expect(await current()).toEqual([]);

    const f = join(dir, 'b.csv');
    writeFileSync(f, focusCsv(monthOfRows('2026-10', '1.00', { account: 'B', days: 3 })));
    await ingestFocusFiles(store, [f]);
    expect(await store.all('SELECT file, status FROM imports')).toEqual([{ file: f, status: 'active' }]);
    expect(await footprint()).toEqual({ line_items: 3, imports: 1, deliveries: 1, parts: 1, current: 3 });
    expect(await current()).toEqual([{ billing_account_id: 'B', currency: 'EUR', rows: 3, billed: '3.00' }]);
  });


  it('kill -9 between the parts of a delivery leaves nothing of it', async () => {
    store.close();
    const db = join(dir, 'kill.duckdb');
    const small = join(dir, 'p1.csv');
    const big = join(dir, 'p2.csv');
    writeFileSync(small, focusCsv(monthOfRows('2026-10', '1.00', { account: 'A', days: 3 })));
    // A part big enough that the import is still reading it when the first part is done.
    const rows: FocusRow[] = [];
    for (let i = 0; i < 400_000; i++) rows.push({ account: 'A', day: `2026-10-${String(4 + (i % 27)).padStart(2, '0')}`, cost: '0.01', resource: `r${i}` });
    writeFileSync(big, focusCsv(rows));
    const child = spawn(process.execPath, [join(ROOT, 'bin/allot.mjs'), '--db', db, 'ingest', 'focus', small, big], {
      env: { ...process.env, CI: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (c: Buffer) => {
      err += c.toString();
      if (err.includes('ingest focus: part 1 of 2 imported')) child.kill('SIGKILL');
    });
    const code = await new Promise<number | null>((r) => child.on('exit', (c, sig) => r(sig === 'SIGKILL' ? null : c)));
    expect(code, `the import finished before the kill: ${err}`).toBeNull();
    store = await Store.open(db);
    expect(await footprint()).toEqual({ line_items: 0, imports: 0, deliveries: 0, parts: 0, current: 0 });
  });
});
