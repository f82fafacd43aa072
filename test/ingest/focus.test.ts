import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { ingestFocusFiles } from '../../src/ingest/focus/ingest.ts';
import { Store, sqlString } from '../../src/store/db.ts';
import { InputError } from '../../src/util/errors.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const FIX = join(ROOT, 'test/fixtures/focus');
const fixture = (name: string): string => join(FIX, name);

let dir: string;
let store: Store;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'allot-focus-'));
  store = await Store.open(join(dir, 'store.duckdb'));
});

afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

async function counts(): Promise<{ line_items: string; imports: string; rejects: string }> {
  return (await store.one(
    `SELECT (SELECT count(*) FROM line_items) AS line_items, (SELECT count(*) FROM imports) AS imports, (SELECT count(*) FROM rejects) AS rejects`,
  )) as { line_items: string; imports: string; rejects: string };
}

async function sums(where = 'TRUE'): Promise<{ n: string; billed: string; effective: string; list: string }> {
  return (await store.one(
    `SELECT count(*) AS n, sum(billed_cost) AS billed, sum(effective_cost) AS effective, sum(list_cost) AS list FROM line_items WHERE ${where}`,
  )) as { n: string; billed: string; effective: string; list: string };
}

async function errorOf(p: Promise<unknown>): Promise<InputError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(InputError);
  return e as InputError;
}

describe('ingest focus: CSV quirks', () => {
  it('imports literal NULL, no-T / Z / offset timestamps, odd JSON tags, negative rows, vendor columns and Oracle empties', async () => {
    const file = fixture('quirks.csv');
    const [r] = (await ingestFocusFiles(store, [file], {})).files;
    expect(r).toMatchObject({ status: 'active', rowsRead: 6, rowsLoaded: 6, rowsRejected: 0, replaced: [], format: 'csv' });
    expect(await sums()).toEqual({ n: '6', billed: '-1.727699200000', effective: '-1.363700000000', list: '0.886000800000' });
    expect((await store.one('SELECT sum(contracted_cost) AS c, sum(pricing_quantity) AS q FROM line_items'))).toEqual({
      c: '0.250000000000',
      q: '10.500000000000',
    });

    const rows = await store.all(
      `SELECT source_line, period, billing_account_id, billing_account_name, billing_period_start, charge_period_start, charge_period_end,
              charge_category, charge_class, charge_description, billed_cost, service_name, sku_price_id,
              to_json(tags)::VARCHAR AS tags, extra::VARCHAR AS extra
       FROM line_items ORDER BY source_line`,
    );
    // Physical lines: the 4th record has a line break inside a quoted field.
    expect(rows.map((r) => r.source_line)).toEqual(['2', '3', '4', '5', '7', '8']);
    expect(rows[0]).toMatchObject({
      period: '2024-09',
      billing_period_start: '2024-09-01 00:00:00',
      charge_period_start: '2024-09-18 22:00:00',
      charge_period_end: '2024-09-18 23:00:00',
      charge_class: null,
      billed_cost: '0.000000800000',
      sku_price_id: null,
      tags: '{}', // literal NULL tags: an empty map
      extra: '{"Id":"11472","x_Custom":null}',
    });
    expect(rows[1]).toMatchObject({
      charge_period_start: '2024-09-02 00:00:00',
      sku_price_id: 'SKU.1', // header spelled SkuPriceid
      tags: '{"team":"payments"," org":"trey","n":"5","b":"true","o":"{\\"x\\":1}"}',
      extra: '{"Id":"11473","x_Custom":"vendor value"}',
    });
    // +02:00 offsets are converted to UTC.
    expect(rows[2]).toMatchObject({
      billing_period_start: '2024-09-01 00:00:00',
      charge_period_start: '2024-09-03 00:00:00',
      charge_period_end: '2024-09-03 01:00:00',
      charge_class: null, // lower-case null
      tags: '{}',
    });
    expect(rows[3]).toMatchObject({
      billing_account_id: '/providers/Microsoft.Billing/billingAccounts/8611537',
      charge_description: 'Refund\nof storage',
      billed_cost: '-1.250000000000',
      tags: '{"env":"prod","org":"trey"," org":"trey"}',
    });
    expect(rows[4]).toMatchObject({
      billing_account_name: null,
      charge_class: null,
      sku_price_id: null,
      service_name: 'COMPUTE',
      extra: '{"Id":"5136076","x_Custom":null}',
    });
    expect(rows[5]).toMatchObject({ charge_category: 'Credit', billed_cost: '-2.613700000000', tags: '{}' });
    expect(await store.one(`SELECT tags[' org'] AS lead, tags['org'] AS plain FROM line_items WHERE source_line = 5`)).toEqual({
      lead: 'trey',
      plain: 'trey',
    });
  });

  it('reads a gzipped copy the same way; as the same content, it is not imported twice', async () => {
    const [gz] = (await ingestFocusFiles(store, [fixture('quirks.csv.gz')], {})).files;
    expect(gz).toMatchObject({ status: 'active', format: 'csv.gz', rowsLoaded: 6 });
    expect(await sums()).toEqual({ n: '6', billed: '-1.727699200000', effective: '-1.363700000000', list: '0.886000800000' });
    expect((await store.all('SELECT source_line FROM line_items ORDER BY 1')).map((r) => r.source_line)).toEqual(['2', '3', '4', '5', '7', '8']);
    const [csv] = (await ingestFocusFiles(store, [fixture('quirks.csv')], {})).files;
    expect(csv).toMatchObject({ status: 'noop', sameAs: gz!.importId });
    expect(await sums()).toMatchObject({ n: '6' });
  });
});

describe('ingest focus: CSV line numbers', () => {
  const header =
    'BillingAccountId,BillingCurrency,BillingPeriodStart,BillingPeriodEnd,ChargePeriodStart,ChargePeriodEnd,ChargeCategory,ChargeDescription,BilledCost,EffectiveCost,ListCost,ServiceName';
  const head = '111,USD,2024-09-01,2024-10-01,2024-09-01,2024-09-02,Usage,';
  const tail = (cost = '1.00'): string => `,${cost},${cost},${cost},S3`;

  it.each([
    ['LF', '\n'],
    ['CRLF', '\r\n'],
    ['CR', '\r'],
  ])('counts physical lines with %s line ends, blank lines and quoted line breaks', async (_name, nl) => {
    const file = join(dir, 'lines.csv');
    const lines = [
      header, // 1
      `${head}"a`, // 2
      `b"${tail()}`, // 3
      '', // 4
      `${head}"multi`, // 5
      'line', // 6
      `field"${tail()}`, // 7
      `${head}plain${tail()}`, // 8
      '', // 9
      '', // 10
      `${head}bad${tail('oops')}`, // 11
      `${head}last${tail()}`, // 12
    ];
    writeFileSync(file, lines.join(nl) + nl);
    const e = await errorOf(ingestFocusFiles(store, [file], {}));
    expect(e.message).toBe(`${file}:11: column BilledCost: not a decimal number: "oops"`);
    await ingestFocusFiles(store, [file], { skipInvalid: true });
    expect((await store.all('SELECT source_line, charge_description FROM line_items ORDER BY 1')).map((x) => [x.source_line, x.charge_description])).toEqual([
      ['2', `a${nl}b`],
      ['5', `multi${nl}line${nl}field`],
      ['8', 'plain'],
      ['12', 'last'],
    ]);
    expect(await store.all('SELECT source_line, column_name FROM rejects')).toEqual([{ source_line: '11', column_name: 'BilledCost' }]);
  });
});

describe('ingest focus: invalid rows', () => {
  const file = fixture('bad-rows.csv');

  it('refuses the file at the first bad row with its physical line, and writes nothing', async () => {
    await ingestFocusFiles(store, [fixture('export-v1.csv')], {});
    const before = await counts();
    const e = await errorOf(ingestFocusFiles(store, [file], {}));
    // Line 5: the record before it spans lines 3-4.
    expect(e.message).toBe(`${file}:5: column ChargePeriodEnd: not a timestamp: "2023-02-01T30:00:00Z" (and 4 more invalid rows; nothing was imported)`);
    expect(e).toMatchObject({ file, line: 5, column: 'ChargePeriodEnd', more: 4 });
    expect(await counts()).toEqual(before);
  });

  it('is all or nothing across the files of one call', async () => {
    const before = await counts();
    await errorOf(ingestFocusFiles(store, [fixture('export-v1.csv'), file], {}));
    expect(await counts()).toEqual(before);
    expect(before).toEqual({ line_items: '0', imports: '0', rejects: '0' });
  });

  it('--skip-invalid imports the good rows and records each bad one in rejects', async () => {
    const [r] = (await ingestFocusFiles(store, [file], { skipInvalid: true })).files;
    expect(r).toMatchObject({ status: 'active', rowsRead: 8, rowsLoaded: 3, rowsRejected: 5 });
    expect(await sums()).toEqual({ n: '3', billed: '3.250000000000', effective: '3.250000000000', list: '3.250000000000' });
    expect((await store.all('SELECT source_line FROM line_items ORDER BY 1')).map((x) => x.source_line)).toEqual(['2', '3', '11']);
    const rejects = await store.all('SELECT import_id, source_line, column_name, reason, raw::VARCHAR AS raw FROM rejects ORDER BY source_line');
    expect(rejects.map(({ raw: _raw, ...x }) => x)).toEqual([
      { import_id: r!.importId, source_line: '5', column_name: 'ChargePeriodEnd', reason: 'not a timestamp: "2023-02-01T30:00:00Z"' },
      { import_id: r!.importId, source_line: '7', column_name: 'BilledCost', reason: 'not a decimal number: "abc"' },
      { import_id: r!.importId, source_line: '8', column_name: 'BillingAccountId', reason: 'missing value' },
      { import_id: r!.importId, source_line: '9', column_name: 'Tags', reason: 'not a JSON object: "{bad"' },
      {
        import_id: r!.importId,
        source_line: '10',
        column_name: 'ChargePeriodEnd',
        reason: '"2023-01-01T00:00:00Z" is before ChargePeriodStart "2023-01-02T00:00:00Z"',
      },
    ]);
    expect(JSON.parse(rejects[1]!.raw as string)).toMatchObject({ BillingAccountId: '111', BilledCost: 'abc', ChargeDescription: 'bad money' });
    expect(await store.one('SELECT rows_read, rows_loaded, rows_rejected FROM imports')).toEqual({ rows_read: '8', rows_loaded: '3', rows_rejected: '5' });
  });

  it('refuses Tags JSON with a repeated key', async () => {
    const f = join(dir, 'dup.csv');
    const v1 = readFileSync(fixture('export-v1.csv'), 'utf8').split('\n');
    writeFileSync(f, [v1[0], v1[1], v1[2]!.replace('{""team"": ""search""}', '{""team"": ""search"", ""env"": ""x"", ""team"": ""ads""}')].join('\n'));
    const e = await errorOf(ingestFocusFiles(store, [f], {}));
    expect(e.message).toBe(`${f}:3: column Tags: duplicate key in JSON object: "{\\"team\\": \\"search\\", \\"env\\": \\"x\\", \\"team\\": \\"ads\\"}"`);
  });

  it('refuses a file that lacks required FOCUS columns, naming all of them', async () => {
    const f = fixture('missing-columns.csv');
    const e = await errorOf(ingestFocusFiles(store, [f], {}));
    expect(e.message).toBe(`${f}: not a FOCUS export: missing columns BillingAccountId, BillingCurrency, ServiceName`);
    expect(await counts()).toEqual({ line_items: '0', imports: '0', rejects: '0' });
  });

  it('refuses a malformed CSV and a missing file with the file name', async () => {
    const short = join(dir, 'short.csv');
    writeFileSync(short, `${readFileSync(fixture('export-v1.csv'), 'utf8')}111,USD,2024-09-01T00:00:00Z\n`);
    const e = await errorOf(ingestFocusFiles(store, [short], {}));
    expect(e.message).toBe(`${short}:4: cannot read as CSV: Expected Number of Columns: 12 Found: 3`);
    const none = join(dir, 'nope.csv');
    expect((await errorOf(ingestFocusFiles(store, [none], {}))).message).toBe(`${none}: no such file`);
  });
});

describe('ingest focus: re-import and replacement', () => {
  it('the same content again, alone or twice in one call, changes nothing', async () => {
    const file = fixture('export-v1.csv');
    const first = await ingestFocusFiles(store, [file], {});
    const again = await ingestFocusFiles(store, [file, file], {});
    expect(again.files.map((f) => [f.status, f.sameAs ?? null])).toEqual([
      ['noop', first.files[0]!.importId],
      ['duplicate', null],
    ]);
    expect(again.deliveries[0]).toMatchObject({ status: 'noop', note: `same as delivery #${first.deliveries[0]!.deliveryId}; nothing changed` });
    expect(await sums()).toEqual({ n: '2', billed: '15.000000000000', effective: '15.000000000000', list: '18.000000000000' });
    expect(await store.all('SELECT import_id, status FROM imports ORDER BY import_id')).toEqual([{ import_id: first.files[0]!.importId, status: 'active' }]);
  });

  it('a newer export of the same billing account and period replaces the older one, and says by how much', async () => {
    const a = await ingestFocusFiles(store, [fixture('export-v1.csv')], {});
    const b = await ingestFocusFiles(store, [fixture('export-v2.csv')], {});
    const d = b.deliveries[0]!;
    expect(d).toMatchObject({ status: 'active', replaced: [a.deliveries[0]!.deliveryId] });
    expect(d.changes).toEqual([
      {
        billing_account_id: '111',
        billing_period: '2024-09',
        before: { rows: 2, charge_days: 2, sub_accounts: 0, billed_cost: [{ currency: 'USD', amount: '15.000000000000' }] },
        after: { rows: 2, charge_days: 2, sub_accounts: 0, billed_cost: [{ currency: 'USD', amount: '15.500000000000' }] },
        replaced_deliveries: [a.deliveries[0]!.deliveryId],
      },
    ]);
    expect(await sums('superseded_by IS NULL')).toEqual({ n: '2', billed: '15.500000000000', effective: '15.500000000000', list: '18.000000000000' });
    expect(await store.all('SELECT import_id, status, superseded_by FROM imports ORDER BY import_id')).toEqual([
      { import_id: a.files[0]!.importId, status: 'superseded', superseded_by: d.deliveryId },
      { import_id: b.files[0]!.importId, status: 'active', superseded_by: null },
    ]);
    expect(await sums()).toMatchObject({ n: '4' }); // the old rows are kept, marked
  });

  it('an export and its restatement given together are refused: they would count the bill twice', async () => {
    const e = await ingestFocusFiles(store, [fixture('export-v1.csv'), fixture('export-v2.csv')], {}).then(
      () => undefined,
      (err: Error) => err,
    );
    expect(e?.message).toBe(
      `${fixture('export-v1.csv')} and ${fixture('export-v2.csv')} hold the same line items (2 of 2 rows): the same export twice, or an export and its restatement? ` +
        'Import each delivery on its own (a later one replaces the earlier); nothing was imported',
    );
    expect(await counts()).toEqual({ line_items: '0', imports: '0', rejects: '0' });
  });
});

describe('ingest focus: Parquet', () => {
  it('reads DECIMAL, VARCHAR and DOUBLE money, MAP tags and TIMESTAMPTZ', async () => {
    const file = join(dir, 'export.parquet');
    await store.run(`COPY (
      SELECT * FROM (VALUES
        ('111', 'USD', TIMESTAMP '2024-09-01', TIMESTAMPTZ '2024-10-01 02:00:00+02', TIMESTAMP '2024-09-05 10:00', TIMESTAMPTZ '2024-09-05 11:00:00+00',
         'Usage', 1.123456789012::DECIMAL(20,12), '2.5', 0.1::DOUBLE, 'Compute', MAP {'team': 'payments', ' org': 'x'}, 'v1'),
        ('111', 'USD', TIMESTAMP '2024-09-01', TIMESTAMPTZ '2024-10-01 00:00:00+00', TIMESTAMP '2024-09-06 10:00', TIMESTAMPTZ '2024-09-06 11:00:00+00',
         'Usage', -0.5::DECIMAL(20,12), '-0.25', 1234567.123456789::DOUBLE, '', NULL, NULL)
      ) t(BillingAccountId, BillingCurrency, BillingPeriodStart, BillingPeriodEnd, ChargePeriodStart, ChargePeriodEnd,
          ChargeCategory, BilledCost, EffectiveCost, ListCost, ServiceName, Tags, x_Vendor)
    ) TO ${sqlString(file)} (FORMAT parquet)`);
    const [r] = (await ingestFocusFiles(store, [file], {})).files;
    expect(r).toMatchObject({ status: 'active', format: 'parquet', rowsLoaded: 2 });
    expect(await sums()).toEqual({ n: '2', billed: '0.623456789012', effective: '2.250000000000', list: '1234567.223456789000' });
    expect(
      await store.all(
        `SELECT source_line, billing_period_end, service_name, to_json(tags)::VARCHAR AS tags, extra::VARCHAR AS extra FROM line_items ORDER BY source_line`,
      ),
    ).toEqual([
      { source_line: '1', billing_period_end: '2024-10-01 00:00:00', service_name: 'Compute', tags: '{"team":"payments"," org":"x"}', extra: '{"x_Vendor":"v1"}' },
      { source_line: '2', billing_period_end: '2024-10-01 00:00:00', service_name: null, tags: '{}', extra: '{"x_Vendor":null}' },
    ]);
  });

  it('reads JSON tags and reports a bad row by row number', async () => {
    const file = join(dir, 'bad.parquet');
    await store.run(`COPY (
      SELECT '111' AS BillingAccountId, 'USD' AS BillingCurrency, '2024-09-01T00:00:00Z' AS BillingPeriodStart, '2024-10-01T00:00:00Z' AS BillingPeriodEnd,
             '2024-09-01 00:00:00' AS ChargePeriodStart, '2024-09-01 01:00:00' AS ChargePeriodEnd, 'Usage' AS ChargeCategory,
             (i / 4)::DECIMAL(10,2) AS BilledCost, (i / 4)::DECIMAL(10,2) AS EffectiveCost, (i / 4)::DECIMAL(10,2) AS ListCost, 'S3' AS ServiceName,
             CASE WHEN i IN (3, 5) THEN '{"team": ' ELSE '{"team": "t' || i || '"}' END AS Tags
      FROM range(1, 7) t(i) ORDER BY i
    ) TO ${sqlString(file)} (FORMAT parquet)`);
    const e = await errorOf(ingestFocusFiles(store, [file], {}));
    expect(e.message).toBe(`${file}: row 3: column Tags: not a JSON object: "{\\"team\\": " (and 1 more invalid row; nothing was imported)`);
    expect(e).toMatchObject({ line: 3, column: 'Tags', more: 1 });
    expect(await counts()).toEqual({ line_items: '0', imports: '0', rejects: '0' });

    const [r] = (await ingestFocusFiles(store, [file], { skipInvalid: true })).files;
    expect(r).toMatchObject({ rowsRead: 6, rowsLoaded: 4, rowsRejected: 2 });
    expect(await store.one('SELECT rows_read, rows_loaded, rows_rejected FROM imports WHERE import_id = $1', [r!.importId])).toEqual({ rows_read: '6', rows_loaded: '4', rows_rejected: '2' });
    expect(await sums()).toEqual({ n: '4', billed: '3.250000000000', effective: '3.250000000000', list: '3.250000000000' });
    expect(await store.all(`SELECT source_line, tags['team'] AS team FROM line_items ORDER BY 1`)).toEqual([
      { source_line: '1', team: 't1' },
      { source_line: '2', team: 't2' },
      { source_line: '4', team: 't4' },
      { source_line: '6', team: 't6' },
    ]);
    expect((await store.all('SELECT source_line FROM rejects ORDER BY 1')).map((x) => x.source_line)).toEqual(['3', '5']);

    // Parquet and CSV parts in one call (the stage is a view for one, a table for the other).
    const more = join(dir, 'more.parquet');
    await store.run(`COPY (SELECT * REPLACE ('222' AS BillingAccountId) FROM read_parquet(${sqlString(file)}) WHERE Tags LIKE '%"}') TO ${sqlString(more)} (FORMAT parquet)`);
    // They repeat none of the line items of account 111, 2024-09 of the earlier Parquet import: refused unless --replace.
    const parts = [more, fixture('export-v1.csv'), fixture('bad-rows.csv')];
    const refused = await ingestFocusFiles(store, parts, { skipInvalid: true }).then(() => undefined, (err: Error) => err);
    expect(refused?.message).toMatch(/would replace billing account 111, 2024-09 \(delivery #\d+: 4 rows, 1 charge day, 3\.25 USD\) with rows that repeat none of its 4 line items: .* add --replace\. Nothing was imported$/);
    const { files: results, deliveries } = await ingestFocusFiles(store, parts, { skipInvalid: true, replace: true });
    expect(results.map((x) => [x.format, x.rowsLoaded, x.rowsRejected])).toEqual([
      ['parquet', 4, 0],
      ['csv', 2, 0],
      ['csv', 3, 5],
    ]);
    expect(deliveries[0]!.changes.filter((c) => c.before).map((c) => [c.billing_account_id, c.before!.rows, c.after.rows])).toEqual([['111', 4, 2]]);
    expect(await sums('superseded_by IS NULL')).toMatchObject({ n: '9' });
  });
});

describe('allot ingest focus (CLI)', () => {
  it('prints each delivery, its files and what it replaced; --json prints the results', async () => {
    store.close();
    const db = join(dir, 'cli.duckdb');
    const out: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out.push(String(chunk));
      return true;
    });
    const errSpy = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const base = ['node', 'allot', '--db', db];
      expect(await main([...base, 'ingest', 'focus', fixture('export-v1.csv')])).toBe(0);
      expect(await main([...base, 'ingest', 'focus', fixture('export-v2.csv')])).toBe(0);
      expect(await main([...base, 'ingest', 'focus', fixture('export-v2.csv')])).toBe(0);
      expect(await main([...base, 'ingest', 'focus', '--skip-invalid', fixture('bad-rows.csv')])).toBe(0);
      expect(await main([...base, 'ingest', 'focus', fixture('missing-columns.csv')])).toBe(1);
      expect(out.join('')).toBe(
        [
          'delivery #2 (loose files): 1 part, 2 rows',
          '  export-v1.csv: import #1: 2 rows imported',
          'delivery #4 (loose files): 1 part, 2 rows',
          '  billing account 111, 2024-09: replaces delivery #2 (2 rows, 2 charge days, 0 sub-accounts, 15.00 USD) with 2 rows, 2 charge days, 0 sub-accounts, 15.50 USD',
          '  export-v2.csv: import #3: 2 rows imported',
          'delivery #5 (loose files): same as delivery #4; nothing changed',
          '  export-v2.csv: same content as import #3, whose rows stand for it',
          'delivery #7 (loose files): 1 part, 3 rows',
          '  bad-rows.csv: import #6: 3 rows imported, 5 rows set aside as invalid (see the rejects table, import_id 6)',
          '',
        ].join('\n'),
      );
      out.length = 0;
      expect(await main([...base, '--json', 'ingest', 'focus', fixture('export-v2.csv')])).toBe(0);
      const json = JSON.parse(out.join(''));
      // Field names are snake_case, like the CSV's columns.
      expect(json.files).toEqual([
        {
          file: fixture('export-v2.csv'),
          format: 'csv',
          import_id: 3,
          status: 'noop',
          same_as: 3,
          sha256: json.files[0].sha256,
          rows_read: 2,
          rows_loaded: 2,
          rows_rejected: 0,
          replaced: [],
        },
      ]);
      expect(json.deliveries[0]).toMatchObject({ delivery_id: 8, status: 'noop', layout: 'files', parts: [{ import_id: 3, fresh: false }] });
    } finally {
      spy.mockRestore();
      errSpy.mockRestore();
      store = await Store.open(join(dir, 'store.duckdb'));
    }
  });
});

// The real exports in ../shared/samples (see its README). Skipped, visibly, where that folder is absent.
const SAMPLES = resolve(ROOT, '../shared/samples');
const hasSamples = existsSync(SAMPLES);
if (!hasSamples) console.warn(`ingest focus: real-sample tests skipped (${SAMPLES} absent)`);

describe.skipIf(!hasSamples)('ingest focus: real samples (../shared/samples)', () => {
  it('imports focus-multi-provider/focus_sample.csv as-is, every cent accounted for', async () => {
    const file = join(SAMPLES, 'focus-multi-provider/focus_sample.csv');
    const [r] = (await ingestFocusFiles(store, [file], {})).files;
    expect(r).toMatchObject({ status: 'active', rowsRead: 1000, rowsLoaded: 1000, rowsRejected: 0 });
    // Independently: the raw columns read as text, summed as DECIMAL.
    const expected = await store.one(
      `SELECT count(*) AS n, sum(BilledCost::DECIMAL(38,12)) AS billed, sum(EffectiveCost::DECIMAL(38,12)) AS effective, sum(ListCost::DECIMAL(38,12)) AS list
       FROM read_csv(${sqlString(file)}, header = true, nullstr = 'NULL', types = {'BilledCost': 'VARCHAR', 'EffectiveCost': 'VARCHAR', 'ListCost': 'VARCHAR'})`,
    );
    expect(await sums()).toEqual(expected);
    expect(await sums()).toEqual({ n: '1000', billed: '20.520226728990', effective: '14.976514185860', list: '20.390905751190' });
    expect(
      await store.one(`SELECT count(*) FILTER (WHERE cardinality(tags) = 0) AS untagged, count(*) FILTER (WHERE billed_cost < 0) AS negative,
                              count(*) FILTER (WHERE map_contains(tags, ' org')) AS lead_space, count(*) FILTER (WHERE service_name = 'COMPUTE') AS oracle_compute,
                              count(DISTINCT period) AS periods, count(*) FILTER (WHERE extra->>'Id' IS NULL) AS no_id
                       FROM line_items`),
    ).toEqual({ untagged: '289', negative: '13', lead_space: '23', oracle_compute: '5', periods: '1', no_id: '0' });
  });

  const specDir = join(SAMPLES, 'focus-spec-examples');
  const required = [
    'BillingAccountId', 'BillingCurrency', 'BillingPeriodStart', 'BillingPeriodEnd', 'ChargePeriodStart', 'ChargePeriodEnd',
    'ChargeCategory', 'BilledCost', 'EffectiveCost', 'ListCost', 'ServiceName',
  ];
  const specFiles = existsSync(specDir) ? readdirSync(specDir).filter((f) => f.endsWith('.csv')).sort() : [];
  it.each(specFiles)('refuses the spec illustration %s, naming the missing columns', async (name) => {
    const file = join(specDir, name);
    const header = readFileSync(file, 'utf8').split(/\r?\n/)[0]!.split(',').map((h) => h.trim().toLowerCase());
    const missing = required.filter((c) => !header.includes(c.toLowerCase()));
    expect(missing.length).toBeGreaterThan(0);
    const e = await errorOf(ingestFocusFiles(store, [file], {}));
    expect(e.message).toBe(`${file}: not a FOCUS export: missing column${missing.length === 1 ? '' : 's'} ${missing.join(', ')}`);
    expect(await counts()).toEqual({ line_items: '0', imports: '0', rejects: '0' });
  });
});

describe.skipIf(hasSamples)('ingest focus: real samples', () => {
  it.skip('focus_sample.csv and focus-spec-examples (../shared/samples absent)', () => undefined);
});
