import type { Store } from '../../store/db.ts';
import { sqlFolder } from '../../store/sql.ts';
import { InputError } from '../../util/errors.ts';
import { readCsvRecords } from '../csv-file.ts';
import { isPeriod } from '../../util/period.ts';

/*
 * `allot ingest invoices FILE`: control totals from outside the line items,
 * for the tie-out (allocate/tieout.ts). CSV with a header:
 *
 *   provider,billing_account_id,billing_period,currency,amount[,invoice_id]
 *
 * amounts as the invoice shows them (tax and credits included). The file's
 * rows for a billing account, period and currency replace whatever was on
 * file for them (kept, marked replaced). All or nothing: a bad row is
 * `FILE:LINE: column X: why` and nothing is recorded.
 */

const sql = sqlFolder(new URL('./sql/', import.meta.url));

const REQUIRED = ['provider', 'billing_account_id', 'billing_period', 'currency', 'amount'] as const;
const OPTIONAL = ['invoice_id'] as const;

export interface InvoiceRow {
  line: number;
  provider: string;
  billing_account_id: string;
  billing_period: string;
  currency: string;
  amount: string;
  invoice_id: string;
}

export interface InvoicesResult {
  file: string;
  rows: number;
  /** Per billing account, period and currency: the invoices now on file and their total. */
  totals: { billing_account_id: string; billing_period: string; currency: string; invoices: string[]; amount: string }[];
  /** Earlier invoice rows these replaced. */
  replaced: number;
}

/** Reads and checks the file; nothing is written. */
export function readInvoices(file: string): InvoiceRow[] {
  const records = readCsvRecords(file);
  const header = records[0]!.record.map((h) => h.trim().toLowerCase());
  for (const [i, h] of header.entries()) {
    if (![...REQUIRED, ...OPTIONAL].includes(h as never)) throw new InputError(file, 1, h, `unknown column (expected ${[...REQUIRED, ...OPTIONAL].join(', ')})`);
    if (header.indexOf(h) !== i) throw new InputError(file, 1, h, 'appears twice');
  }
  const missing = REQUIRED.filter((r) => !header.includes(r));
  if (missing.length) throw new InputError(file, 1, undefined, `missing column${missing.length === 1 ? '' : 's'} ${missing.join(', ')}`);

  const rows: InvoiceRow[] = [];
  const seen = new Map<string, number>();
  for (const { record, info } of records.slice(1)) {
    const line = info.lines;
    if (record.length !== header.length) throw new InputError(file, line, undefined, `has ${record.length} fields, the header ${header.length}`);
    const get = (c: string): string => (record[header.indexOf(c)] ?? '').trim();
    const row: InvoiceRow = {
      line,
      provider: get('provider'),
      billing_account_id: get('billing_account_id'),
      billing_period: get('billing_period'),
      currency: get('currency'),
      amount: get('amount'),
      invoice_id: header.includes('invoice_id') ? get('invoice_id') : '',
    };
    for (const c of ['provider', 'billing_account_id'] as const) if (!row[c]) throw new InputError(file, line, c, 'missing value');
    if (!isPeriod(row.billing_period)) throw new InputError(file, line, 'billing_period', `must be YYYY-MM, got ${JSON.stringify(row.billing_period)}`);
    if (!/^[A-Z]{3}$/.test(row.currency)) throw new InputError(file, line, 'currency', `must be a three-letter ISO 4217 code, got ${JSON.stringify(row.currency)}`);
    if (!/^-?\d{1,24}(\.\d{1,12})?$/.test(row.amount)) {
      throw new InputError(file, line, 'amount', `not a decimal amount (digits, an optional - and . decimals, no thousands separators): ${JSON.stringify(row.amount)}`);
    }
    const key = [row.billing_account_id, row.billing_period, row.currency, row.invoice_id].join('\u0000');
    if (seen.has(key)) {
      throw new InputError(file, line, row.invoice_id ? 'invoice_id' : 'billing_account_id', `the same invoice as line ${seen.get(key)} (account, period, currency${row.invoice_id ? ' and invoice id' : ''})`);
    }
    seen.set(key, line);
    rows.push(row);
  }
  if (!rows.length) throw new InputError(file, undefined, undefined, 'no invoice rows');
  return rows;
}

/** Records the file's invoices, replacing what was on file for the same account, period and currency. */
export async function ingestInvoices(store: Store, file: string, now: Date = new Date()): Promise<InvoicesResult> {
  const rows = readInvoices(file);
  return store.transaction(async () => {
    const at = now.toISOString();
    const replaced = await recordControlTotals(store, 'invoice', rows.map((r) => ({ ...r, file })), at);
    const totals = await store.all<{ billing_account_id: string; billing_period: string; currency: string; invoices: string; amount: string }>(sql('invoice-totals'), [
      file,
      at,
    ]);
    return {
      file,
      rows: rows.length,
      totals: totals.map((t) => ({ ...t, invoices: (JSON.parse(t.invoices) as string[]).filter(Boolean) })),
      replaced,
    };
  });
}

/** One control total: an invoice row's fields and where it came from (a pull has no line). */
export type ControlTotal = Omit<InvoiceRow, 'line'> & { file: string; line: number | null };

/**
 * Records control totals of one kind (invoices, Cost Explorer's totals) at
 * `at`: the current ones of that kind for the same billing account, period
 * and currency are kept, marked replaced. Returns how many were replaced.
 */
export async function recordControlTotals(store: Store, kind: 'invoice' | 'aws-ce', rows: ControlTotal[], at: string): Promise<number> {
  const keys = new Map(rows.map((r) => [JSON.stringify([r.billing_account_id, r.billing_period, r.currency]), r]));
  let replaced = 0;
  for (const r of keys.values()) replaced += (await store.all(sql('control-replace'), [kind, r.billing_account_id, r.billing_period, r.currency, at])).length;
  await store.run(sql('control-insert'), [kind, JSON.stringify(rows), at]);
  return replaced;
}
