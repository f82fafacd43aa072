// The tie-out: the stored bill against control totals from outside the line
// items (invoices, Cost Explorer's total), and how complete a period looks.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfiguredRetryStrategy } from '@smithy/core/retry';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { attribute } from '../../src/allocate/run.ts';
import { tieOut } from '../../src/allocate/tieout.ts';
import { buildChargebackExport, closePeriod, TieOutError } from '../../src/close/close.ts';
import { createCostExplorerClient } from '../../src/ingest/aws-ce/client.ts';
import { pullCostExplorerTotal } from '../../src/ingest/aws-ce/total.ts';
import { ingestFocusFiles } from '../../src/ingest/focus/ingest.ts';
import { ingestInvoices } from '../../src/ingest/invoices/index.ts';
import { buildTeamReport } from '../../src/model/team/index.ts';
import type { Store } from '../../src/store/db.ts';
import { InputError } from '../../src/util/errors.ts';
import { focusCsv, monthOfRows, type FocusRow } from '../fixtures/deliveries.ts';
import { startCostExplorerServer } from '../servers/aws-ce.ts';
import { config, tempStore } from './fixture.ts';

const cfg = config(`
teams:
  - { id: alpha, name: Alpha, cost_center: CC-A, gl_account: "6100", mode: chargeback, emails: [alpha@example.com] }
  - { id: bravo, name: Bravo, cost_center: CC-B, gl_account: "6200" }
`);

let store: Store;
let dir: string;
beforeEach(async () => {
  store = await tempStore();
  dir = mkdtempSync(join(tmpdir(), 'allot-tieout-'));
});
afterEach(() => store.close());

async function focus(name: string, rows: FocusRow[]): Promise<void> {
  const f = join(dir, name);
  writeFileSync(f, focusCsv(rows));
  await ingestFocusFiles(store, [f]);
}

function invoices(name: string, lines: string[]): string {
  const f = join(dir, name);
  writeFileSync(f, `${lines.join('\n')}\n`);
  return f;
}

/** October: account A (EUR, 31 days × 2 sub-accounts × 1.00, for alpha) and account B (USD, 3 days × 10.00, for bravo). */
async function october(): Promise<void> {
  await focus('a.csv', monthOfRows('2026-10', '1.00', { account: 'A', subs: 2, team: 'alpha', provider: 'Microsoft' }));
  await focus('b.csv', monthOfRows('2026-10', '10.00', { account: 'B', currency: 'USD', days: 3, team: 'bravo', provider: 'AWS' }));
}

describe('allot ingest invoices', () => {
  it('records the file; its rows replace what was on file for the same account, period and currency', async () => {
    const r1 = await ingestInvoices(store, invoices('inv1.csv', ['provider,billing_account_id,billing_period,currency,amount,invoice_id', 'azure,A,2026-10,EUR,62.00,INV-1']));
    expect(r1).toMatchObject({ rows: 1, replaced: 0, totals: [{ billing_account_id: 'A', billing_period: '2026-10', currency: 'EUR', invoices: ['INV-1'], amount: '62.000000000000' }] });
    const r2 = await ingestInvoices(store, invoices('inv2.csv', [
      'invoice_id,provider,billing_account_id,billing_period,currency,amount',
      'INV-1b,azure,A,2026-10,EUR,60.00',
      'INV-1c,azure,A,2026-10,EUR,2.00',
    ]));
    expect(r2).toMatchObject({ rows: 2, replaced: 1 });
    expect(await store.all(`SELECT invoice_id, amount::DECIMAL(38,2)::VARCHAR AS amount FROM control_totals WHERE replaced_at IS NULL ORDER BY 1`)).toEqual([
      { invoice_id: 'INV-1b', amount: '60.00' },
      { invoice_id: 'INV-1c', amount: '2.00' },
    ]);
  });

  it.each([
    ['amount with a thousands separator', 'azure,A,2026-10,EUR,"1,234.50",X', 'inv.csv:2: column amount: not a decimal amount (digits, an optional - and . decimals, no thousands separators): "1,234.50"'],
    ['a period that is not YYYY-MM', 'azure,A,2026-13,EUR,1.00,X', 'inv.csv:2: column billing_period: must be YYYY-MM, got "2026-13"'],
    ['a currency that is not ISO 4217', 'azure,A,2026-10,euro,1.00,X', 'inv.csv:2: column currency: must be a three-letter ISO 4217 code, got "euro"'],
    ['no account', 'azure,,2026-10,EUR,1.00,X', 'inv.csv:2: column billing_account_id: missing value'],
    ['a short row', 'azure,A,2026-10,EUR', 'inv.csv:2: has 4 fields, the header 6'],
  ])('refuses %s with FILE:LINE: column, and records nothing', async (_what, row, message) => {
    const f = invoices('inv.csv', ['provider,billing_account_id,billing_period,currency,amount,invoice_id', row, 'azure,B,2026-10,EUR,1.00,Y']);
    const e = await ingestInvoices(store, f).then(() => undefined, (x: unknown) => x as Error);
    expect(e).toBeInstanceOf(InputError);
    expect(e!.message).toBe(message.replace('inv.csv', f));
    expect(await store.one('SELECT count(*)::INTEGER AS n FROM control_totals')).toEqual({ n: 0 });
  });

  it('refuses a header without the columns, an unknown column, and the same invoice twice', async () => {
    const miss = invoices('m.csv', ['provider,billing_account_id,currency,amount', 'azure,A,EUR,1']);
    await expect(ingestInvoices(store, miss)).rejects.toThrow(`${miss}:1: missing column billing_period`);
    const extra = invoices('x.csv', ['provider,billing_account_id,billing_period,currency,amount,due', 'azure,A,2026-10,EUR,1,2026-11-15']);
    await expect(ingestInvoices(store, extra)).rejects.toThrow(`${extra}:1: column due: unknown column (expected provider, billing_account_id, billing_period, currency, amount, invoice_id)`);
    const twice = invoices('t.csv', ['provider,billing_account_id,billing_period,currency,amount,invoice_id', 'azure,A,2026-10,EUR,1,I', 'azure,A,2026-10,EUR,2,I']);
    await expect(ingestInvoices(store, twice)).rejects.toThrow(`${twice}:3: column invoice_id: the same invoice as line 2 (account, period, currency and invoice id)`);
  });
});

describe('the tie-out', () => {
  it('ties, differs by a cent, or has no invoice; attribute reports it apart from conservation', async () => {
    await october();
    await ingestInvoices(store, invoices('inv.csv', ['provider,billing_account_id,billing_period,currency,amount,invoice_id', 'azure,A,2026-10,EUR,62.00,INV-A']));
    const r = await attribute(store, cfg, '2026-10');
    expect(r.totals.every((t) => t.ok)).toBe(true); // conservation
    expect(r.tieout.lines.map((l) => [l.billing_account_id, l.currency, l.status, l.stored_rounded, l.control_total])).toEqual([
      ['A', 'EUR', 'ties', '62.00', '62.00'],
      ['B', 'USD', 'no-control', '30.00', null],
    ]);
    expect(r.tieout).toMatchObject({ ties: false, differs: false });

    await ingestInvoices(store, invoices('inv2.csv', ['provider,billing_account_id,billing_period,currency,amount,invoice_id', 'aws,B,2026-10,USD,30.01,INV-B']));
    const t = await tieOut(store, '2026-10');
    expect(t.lines.find((l) => l.billing_account_id === 'B')).toMatchObject({ status: 'differs', difference: '-0.01', control: [{ kind: 'invoice', invoice_id: 'INV-B' }] });
    expect(t).toMatchObject({ ties: false, differs: true });
  });

  it('a period whose bill differs from its invoice by one cent is not closed, unless the variance is accepted (and logged)', async () => {
    await october();
    await ingestInvoices(store, invoices('inv.csv', [
      'provider,billing_account_id,billing_period,currency,amount,invoice_id',
      'azure,A,2026-10,EUR,62.00,INV-A',
      'aws,B,2026-10,USD,30.01,INV-B',
    ]));
    await attribute(store, cfg, '2026-10');
    const e = await closePeriod(store, '2026-10').then(() => undefined, (x: unknown) => x as Error);
    expect(e).toBeInstanceOf(TieOutError);
    expect(e!.message).toBe(
      'period 2026-10 does not tie out: billing account B stores 30.00 USD against 30.01 (-0.01). ' +
        'Import the missing or corrected data, or close anyway with --accept-variance "reason"; nothing was closed',
    );
    expect(await store.one('SELECT count(*)::INTEGER AS n FROM period_closes')).toEqual({ n: 0 });

    const c = await closePeriod(store, '2026-10', { actor: 'fin', acceptVariance: 'AWS credit memo CM-9 pending' });
    expect(c.tieout).toMatchObject({ status: 'differs', accepted_variance: 'AWS credit memo CM-9 pending' });
    expect(await store.all(`SELECT action, reason, actor FROM period_close_log ORDER BY action`)).toEqual([
      { action: 'accept-variance', reason: 'AWS credit memo CM-9 pending (differs: B -0.01 USD)', actor: 'fin' },
      { action: 'close', reason: null, actor: 'fin' },
    ]);
    // The manifest carries the tie-out it was closed with.
    const { manifest } = await buildChargebackExport(store, '2026-10');
    expect(manifest.tieout).toMatchObject({ status: 'differs', accepted_variance: 'AWS credit memo CM-9 pending' });
    expect(manifest.tieout.lines.map((l) => [l.billing_account_id, l.status, l.against])).toEqual([
      ['A', 'ties', ['invoice INV-A']],
      ['B', 'differs', ['invoice INV-B']],
    ]);
  });

  it('line items that carry FOCUS InvoiceId are held against each invoice of that id', async () => {
    await focus('inv-a.csv', [
      ...monthOfRows('2026-10', '1.00', { account: 'A', days: 10, invoiceId: 'INV-1', team: 'alpha' }),
      ...monthOfRows('2026-10', '2.00', { account: 'A', days: 5, invoiceId: 'INV-2', team: 'alpha' }).map((r) => ({ ...r, resource: `x-${r.day}` })),
    ]);
    await ingestInvoices(store, invoices('inv.csv', [
      'provider,billing_account_id,billing_period,currency,amount,invoice_id',
      'azure,A,2026-10,EUR,10.00,INV-1',
      'azure,A,2026-10,EUR,9.00,INV-2',
      'azure,A,2026-10,EUR,4.00,INV-3',
    ]));
    const t = await tieOut(store, '2026-10');
    expect(t.lines.map((l) => [l.invoice_id, l.status, l.stored_rounded, l.control_total])).toEqual([
      ['INV-1', 'ties', '10.00', '10.00'],
      ['INV-2', 'differs', '10.00', '9.00'],
      ['INV-3', 'differs', '0.00', '4.00'],
    ]);
  });

  it("Cost Explorer's unblended total, pulled through the real SDK from a local server, is a control total", async () => {
    await focus('b.csv', monthOfRows('2026-10', '10.00', { account: '123456789012', currency: 'USD', days: 3, provider: 'AWS' }));
    const srv = await startCostExplorerServer({
      accounts: [{ id: '111111111111' }],
      costs: [
        { account: '111111111111', day: '2026-10-01', service: 'Amazon EC2', unblended: '20.0000000001' },
        { account: '111111111111', day: '2026-10-02', service: 'Amazon S3', unblended: '9.9999999999' },
      ],
    });
    try {
      const client = createCostExplorerClient({
        endpoint: srv.url,
        region: 'us-east-1',
        credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'x' },
        retryStrategy: new ConfiguredRetryStrategy(3, 5),
      });
      const r = await pullCostExplorerTotal(store, { period: '2026-10', billingAccount: '123456789012', client, now: () => new Date('2026-11-20T00:00:00Z') });
      client.destroy();
      expect(r).toMatchObject({ amount: '30.000000000000', currency: 'USD', partial: false, replaced: 0 });
      expect(srv.requests[0]!.body).toEqual({ TimePeriod: { Start: '2026-10-01', End: '2026-11-01' }, Granularity: 'MONTHLY', Metrics: ['UnblendedCost'] });
    } finally {
      await srv.close();
    }
    const t = await tieOut(store, '2026-10');
    expect(t.lines).toMatchObject([{ billing_account_id: '123456789012', status: 'ties', control: [{ kind: 'aws-ce' }] }]);
  });
});

describe('completeness', () => {
  it('missing days, a sub-account gone since last month, rows set aside and rows dated outside the billing period', async () => {
    await focus('sep.csv', monthOfRows('2026-09', '1.00', { account: 'A', subs: 3, days: 2 }));
    const oct = monthOfRows('2026-10', '1.00', { account: 'A', subs: 2, days: 20 });
    oct.push({ account: 'A', day: '2026-09-30', billingPeriod: '2026-10-01', cost: '5.00', sub: 'sub-1', resource: 'late' });
    const f = join(dir, 'oct.csv');
    writeFileSync(f, focusCsv(oct).replace('\nA,EUR,2026-10-01T00:00:00Z,2026-11-01T00:00:00Z,2026-10-20T00:00:00Z,2026-10-21T00:00:00Z,Usage,1.00', '\nA,EUR,2026-10-01T00:00:00Z,2026-11-01T00:00:00Z,2026-10-20T00:00:00Z,2026-10-21T00:00:00Z,Usage,abc'));
    await ingestFocusFiles(store, [f], { skipInvalid: true });
    const t = await tieOut(store, '2026-10', { now: new Date('2026-10-25T12:00:00Z') });
    expect(t.completeness[0]).toMatchObject({
      billing_account_id: 'A',
      expected_days: 24,
      charge_days: 20,
      missing_days: ['2026-10-21', '2026-10-22', '2026-10-23', '2026-10-24'],
      missing_sub_accounts: ['sub-3'],
      rejected: { rows: 1, billed: [], unreadable_amounts: 1 },
      outside: [{ month: '2026-09', currency: 'EUR', rows: 1, billed: '5.000000000000', month_status: 'not-attributed' }],
      exports: ['files'],
    });
    expect(t.warnings).toEqual([
      'billing account A, 2026-10: charges on 20 of 24 days so far; none on 2026-10-21 to 2026-10-24',
      'billing account A, 2026-10: sub-account sub-3 billed in 2026-09 has no rows',
      `billing account A, 2026-10: 1 row set aside by --skip-invalid (import #${t.completeness[0]!.rejected.imports[0]}), 1 without a readable amount: not in the store`,
      'billing account A, 2026-10: 1 row (5.00 EUR) charged in 2026-09, outside the billing period; attributed in 2026-09, which has no run since they arrived: allot attribute --period 2026-09',
    ]);
    await attribute(store, cfg, '2026-09');
    expect((await tieOut(store, '2026-10', { now: new Date('2026-10-25T12:00:00Z') })).completeness[0]!.outside[0]!.month_status).toBe('attributed');
    await closePeriod(store, '2026-09');
    expect((await tieOut(store, '2026-10', { now: new Date('2026-10-25T12:00:00Z') })).warnings.at(-1)).toBe(
      'billing account A, 2026-10: 1 row (5.00 EUR) charged in 2026-09, outside the billing period; 2026-09 is closed: they are booked as adjustments in the next open month',
    );
  });
});

describe('the team report says whether its numbers are final', () => {
  it('provisional while open; final once closed and tied out', async () => {
    await october();
    await ingestInvoices(store, invoices('inv.csv', [
      'provider,billing_account_id,billing_period,currency,amount,invoice_id',
      'azure,A,2026-10,EUR,62.00,INV-A',
      'aws,B,2026-10,USD,30.00,INV-B',
    ]));
    await attribute(store, cfg, '2026-10');
    expect((await buildTeamReport(store, cfg.config, '2026-10', 'alpha', { platformValue: null })).status).toEqual({
      kind: 'provisional',
      text: 'Provisional: October 2026 is not closed for finance yet; these numbers may still change.',
    });
    await closePeriod(store, '2026-10');
    expect((await buildTeamReport(store, cfg.config, '2026-10', 'alpha', { platformValue: null })).status).toEqual({
      kind: 'final',
      text: 'Final: October 2026 is closed for finance and its bill ties to the invoices to the cent.',
    });
  });
});
