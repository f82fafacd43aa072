import type { Store } from '../store/db.ts';
import { keptRows, lineItemsVersion } from '../store/facts.ts';
import { sqlFolder } from '../store/sql.ts';
import { compareDecimal, roundDecimal, subtractDecimal, sumDecimals } from '../util/decimal.ts';
import { addMonths } from '../util/period.ts';

/*
 * The tie-out: does what the store holds equal the bill? Conservation (the
 * allocation's rows sum to what is stored, allocate/run.ts) says nothing
 * about that; this compares the stored BilledCost of a billing period, per
 * billing account and currency, with control totals from outside the line
 * items — the invoices on file, per invoice id where the line items carry
 * FOCUS InvoiceId, else Cost Explorer's monthly total — and says how
 * complete the period looks (charge days, sub-accounts, rows set aside,
 * rows dated outside it, the age of the newest delivery).
 */

const sql = sqlFolder(new URL('./sql/', import.meta.url));

export type TieOutStatus = 'ties' | 'differs' | 'no-control';

/** One billing account and currency (and invoice, where the rows name invoices). */
export interface TieOutLine {
  billing_account_id: string;
  provider: string | null;
  currency: string;
  /** The invoice the rows name (FOCUS InvoiceId), or null when they name none. */
  invoice_id: string | null;
  rows: number;
  /** Σ BilledCost stored, exact, and rounded to the currency's decimals. */
  stored: string;
  stored_rounded: string;
  /** What it is held against: invoices (ids, '' for none) or Cost Explorer's total. */
  control: { kind: 'invoice' | 'aws-ce'; invoice_id: string; amount: string; file: string }[];
  /** Σ control, or null when there is none. */
  control_total: string | null;
  status: TieOutStatus;
  /** stored_rounded − control_total, when it differs. */
  difference: string | null;
}

/** How complete a billing account's period looks. */
export interface Completeness {
  billing_account_id: string;
  /** Days of the period so far (all of them once it has ended), and those with charges. */
  expected_days: number;
  charge_days: number;
  missing_days: string[];
  /** Sub-accounts billed the month before and absent now. */
  missing_sub_accounts: string[];
  /** Rows set aside by --skip-invalid, and their BilledCost where it could be read. */
  rejected: { rows: number; billed: { currency: string; amount: string }[]; unreadable_amounts: number; imports: number[] };
  /**
   * Rows of this billing period whose charge period starts in another month:
   * attributed there, where `month_status` says whether that happens:
   * `closed` (booked as adjustments in the next open month), `attributed`
   * (its latest run read them), or `not-attributed` (no run since they came).
   */
  outside: { month: string; currency: string; rows: number; billed: string; month_status: 'closed' | 'attributed' | 'not-attributed' }[];
  /** Exports the current rows came from: more than one may count the same charges twice. */
  exports: string[];
  newest_delivery: { delivery_id: number; imported_at: string; delivered_at: string | null; age_hours: number } | null;
}

export interface TieOut {
  billing_period: string;
  /** Every line ties to a control total. */
  ties: boolean;
  /** Some line differs from its control total (close refuses it). */
  differs: boolean;
  lines: TieOutLine[];
  completeness: Completeness[];
  /** The completeness findings, one sentence each. */
  warnings: string[];
}

interface StoredRow {
  billing_account_id: string;
  provider: string | null;
  currency: string;
  invoice_id: string | null;
  rows: string;
  billed: string;
}

interface ControlRow {
  kind: 'invoice' | 'aws-ce';
  provider: string | null;
  billing_account_id: string;
  currency: string;
  invoice_id: string;
  amount: string;
  file: string;
  line: number | null;
}

const monthStart = (p: string): string => `${p}-01 00:00:00`;

/** The tie-out of one billing period, as the store holds it `now`. */
export async function tieOut(store: Store, period: string, opts: { decimals?: number; now?: Date } = {}): Promise<TieOut> {
  const decimals = opts.decimals ?? 2;
  const now = opts.now ?? new Date();
  const range = [monthStart(period), monthStart(addMonths(period, 1))];
  const version = await lineItemsVersion(store);
  const kept = <T>(name: string, params: string[]): Promise<T[]> =>
    keptRows(store, `${name}:${params.join(':')}`, version, () => store.all<T>(sql(name), params));
  const stored = await kept<StoredRow>('tieout-stored', range);
  const controls = await store.all<ControlRow>(sql('tieout-controls'), [period]);
  const lines = compareLines(stored, controls, decimals);

  const completeness = await completenessOf(store, period, range, now, kept);
  const warnings = completeness.flatMap((c) => describeCompleteness(c, period));
  return {
    billing_period: period,
    ties: lines.length > 0 && lines.every((l) => l.status === 'ties'),
    differs: lines.some((l) => l.status === 'differs'),
    lines,
    completeness,
    warnings,
  };
}

/** Every billing period's tie-out lines (no completeness): what `allot status` shows. */
export async function tieOutLinesByPeriod(store: Store, decimals = 2): Promise<Map<string, TieOutLine[]>> {
  const stored = await store.all<StoredRow & { billing_period: string }>(sql('tieout-stored-all'));
  const controls = await store.all<ControlRow & { billing_period: string }>(sql('tieout-controls-all'));
  const periods = [...new Set([...stored.map((s) => s.billing_period), ...controls.map((c) => c.billing_period)])].sort();
  return new Map(
    periods.map((p) => [
      p,
      compareLines(
        stored.filter((s) => s.billing_period === p),
        controls.filter((c) => c.billing_period === p),
        decimals,
      ),
    ]),
  );
}

/**
 * Where the rows of an account name invoices, each invoice id is held
 * against the invoice of that id; otherwise the account's total against all
 * its invoices, or Cost Explorer's total when there is no invoice.
 */
function compareLines(stored: StoredRow[], controls: ControlRow[], decimals: number): TieOutLine[] {
  const lines: TieOutLine[] = [];
  const keys = new Set([...stored.map((s) => `${s.billing_account_id}\u0000${s.currency}`), ...controls.map((c) => `${c.billing_account_id}\u0000${c.currency}`)]);
  for (const key of [...keys].sort()) {
    const [account, currency] = key.split('\u0000') as [string, string];
    const rows = stored.filter((s) => s.billing_account_id === account && s.currency === currency);
    const mine = controls.filter((c) => c.billing_account_id === account && c.currency === currency);
    const invoices = mine.filter((c) => c.kind === 'invoice');
    const provider = rows[0]?.provider ?? mine[0]?.provider ?? null;
    const named = rows.filter((r) => r.invoice_id !== null);
    const byId = named.length > 0 && invoices.length > 0 && invoices.every((i) => i.invoice_id !== '');
    if (byId) {
      const ids = new Set([...named.map((r) => r.invoice_id!), ...invoices.map((i) => i.invoice_id)]);
      const unnamed = rows.filter((r) => r.invoice_id === null);
      for (const id of [...ids].sort()) {
        const part = named.filter((r) => r.invoice_id === id);
        lines.push(line(account, provider, currency, id, part, invoices.filter((i) => i.invoice_id === id), decimals));
      }
      // Rows that name no invoice while their siblings do are on no invoice at all.
      if (unnamed.length) lines.push(line(account, provider, currency, null, unnamed, [], decimals));
    } else {
      const against = invoices.length ? invoices : mine.filter((c) => c.kind === 'aws-ce');
      lines.push(line(account, provider, currency, null, rows, against, decimals));
    }
  }
  return lines;
}

function line(
  account: string,
  provider: string | null,
  currency: string,
  invoiceId: string | null,
  rows: StoredRow[],
  control: ControlRow[],
  decimals: number,
): TieOutLine {
  const exact = rows.length ? sumExact(rows.map((r) => r.billed)) : '0';
  const rounded = roundDecimal(exact, decimals);
  const total = control.length ? sumDecimals(control.map((c) => c.amount), decimals) : null;
  const status: TieOutStatus = total === null ? 'no-control' : compareDecimal(rounded, total) === 0 ? 'ties' : 'differs';
  return {
    billing_account_id: account,
    provider,
    currency,
    invoice_id: invoiceId,
    rows: rows.reduce((n, r) => n + Number(r.rows), 0),
    stored: exact,
    stored_rounded: rounded,
    control: control.map((c) => ({ kind: c.kind, invoice_id: c.invoice_id, amount: roundDecimal(c.amount, decimals), file: c.line ? `${c.file}:${c.line}` : c.file })),
    control_total: total,
    status,
    difference: status === 'differs' ? subtractDecimal(rounded, total!, decimals) : null,
  };
}

/** Exact sum of decimal strings at 12 places (the store's scale). */
const sumExact = (xs: string[]): string => sumDecimals(xs, 12);

/** Runs a tie-out query over line items, or gives its rows as kept from an earlier tie-out of the same line items. */
type Kept = <T>(name: string, params: string[]) => Promise<T[]>;

async function completenessOf(store: Store, period: string, range: string[], now: Date, kept: Kept): Promise<Completeness[]> {
  const cov = await kept<{ billing_account_id: string; days: string; sub_accounts: string; outside: string }>('tieout-coverage', range);
  const before = addMonths(period, -1);
  const prev = await kept<{ billing_account_id: string; sub_accounts: string }>('tieout-coverage', [monthStart(before), monthStart(period)]);
  const deliveries = await kept<{ billing_account_id: string; exports: string; delivery_id: number; imported_at: string; delivered_at: string | null }>(
    'tieout-deliveries',
    range,
  );
  const rejects = await store.all<{ billing_account_id: string | null; import_id: number; currency: string | null; rows: number; billed: string | null; unreadable_amounts: number }>(
    sql('tieout-rejects'),
    [period],
  );
  const expected = daysSoFar(period, now);
  // Months that rows dated outside the period fall in: closed, or is their latest run newer than the rows?
  const outsideMonths = [...new Set(cov.flatMap((c) => (JSON.parse(c.outside) as { month: string }[]).map((o) => o.month)))];
  const months = new Map<string, Completeness['outside'][number]['month_status']>();
  for (const m of outsideMonths) {
    const r = await store.one<{ closed: boolean; fresh: boolean }>(sql('tieout-month-state'), [m, ...range]);
    months.set(m, r?.closed ? 'closed' : r?.fresh ? 'attributed' : 'not-attributed');
  }
  const accounts = [...new Set([...cov.map((c) => c.billing_account_id), ...rejects.flatMap((r) => (r.billing_account_id ? [r.billing_account_id] : []))])].sort();
  return accounts.map((account) => {
    const c = cov.find((x) => x.billing_account_id === account);
    const days = c ? (JSON.parse(c.days) as string[]) : [];
    const subs = new Set(c ? (JSON.parse(c.sub_accounts) as string[]) : []);
    const p = prev.find((x) => x.billing_account_id === account);
    const prevSubs = p ? (JSON.parse(p.sub_accounts) as string[]) : [];
    const d = deliveries.find((x) => x.billing_account_id === account);
    // Rows whose account could not be read belong to no account: shown with the first.
    const rej = rejects.filter((r) => r.billing_account_id === account || (r.billing_account_id === null && account === accounts[0]));
    const billed = new Map<string, string[]>();
    for (const r of rej) if (r.billed !== null && r.currency) billed.set(r.currency, [...(billed.get(r.currency) ?? []), r.billed]);
    return {
      billing_account_id: account,
      expected_days: expected.length,
      charge_days: days.filter((x) => expected.includes(x)).length,
      missing_days: expected.filter((x) => !days.includes(x)),
      missing_sub_accounts: prevSubs.filter((s) => !subs.has(s)).sort(),
      rejected: {
        rows: rej.reduce((n, r) => n + r.rows, 0),
        billed: [...billed].map(([currency, xs]) => ({ currency, amount: sumExact(xs) })),
        unreadable_amounts: rej.reduce((n, r) => n + r.unreadable_amounts, 0),
        imports: [...new Set(rej.map((r) => r.import_id))],
      },
      outside: c ? (JSON.parse(c.outside) as Completeness['outside']).map((o) => ({ ...o, rows: Number(o.rows), month_status: months.get(o.month) ?? 'not-attributed' })) : [],
      exports: d ? (JSON.parse(d.exports) as string[]) : [],
      newest_delivery: d
        ? {
            delivery_id: d.delivery_id,
            imported_at: d.imported_at,
            delivered_at: d.delivered_at,
            age_hours: Math.max(0, Math.floor((now.getTime() - Date.parse(d.delivered_at ?? d.imported_at)) / 3_600_000)),
          }
        : null,
    };
  });
}

/** The period's days up to yesterday (UTC), or all of them once it has ended. */
export function daysSoFar(period: string, now: Date): string[] {
  const [y, m] = period.split('-').map(Number) as [number, number];
  const days: string[] = [];
  const today = now.toISOString().slice(0, 10);
  for (let d = new Date(Date.UTC(y, m - 1, 1)); d.getUTCMonth() === m - 1; d = new Date(d.getTime() + 86_400_000)) {
    const iso = d.toISOString().slice(0, 10);
    if (iso >= today) break;
    days.push(iso);
  }
  return days;
}

/** "2026-10-30 to 2026-10-31", "2026-10-03, 2026-10-07": consecutive days as ranges. */
export function dayRanges(days: string[]): string {
  const out: string[] = [];
  let start = days[0];
  let prev = days[0];
  const next = (d: string): string => new Date(Date.parse(`${d}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
  for (const d of [...days.slice(1), '']) {
    if (prev !== undefined && d === next(prev)) {
      prev = d;
      continue;
    }
    if (start !== undefined) out.push(start === prev ? start : `${start} to ${prev}`);
    start = d;
    prev = d;
  }
  return out.join(', ');
}

/** The completeness findings of one account, as sentences. */
function describeCompleteness(c: Completeness, period: string): string[] {
  const who = `billing account ${c.billing_account_id}, ${period}`;
  const out: string[] = [];
  // An account charged on one day only (a monthly fee) is not expected to cover every day.
  if (c.missing_days.length && c.charge_days > 1) {
    out.push(`${who}: charges on ${c.charge_days} of ${c.expected_days} days so far; none on ${dayRanges(c.missing_days)}`);
  }
  if (c.missing_sub_accounts.length) {
    out.push(`${who}: ${c.missing_sub_accounts.length === 1 ? 'sub-account' : 'sub-accounts'} ${c.missing_sub_accounts.join(', ')} billed in ${addMonths(period, -1)} ${c.missing_sub_accounts.length === 1 ? 'has' : 'have'} no rows`);
  }
  if (c.rejected.rows) {
    const amounts = c.rejected.billed.map((b) => `${roundDecimal(b.amount, 2)} ${b.currency}`).join(' + ');
    out.push(
      `${who}: ${c.rejected.rows} row${c.rejected.rows === 1 ? '' : 's'} set aside by --skip-invalid (import ${c.rejected.imports.map((i) => `#${i}`).join(', ')})` +
        `${amounts ? `, BilledCost ${amounts}` : ''}${c.rejected.unreadable_amounts ? `, ${c.rejected.unreadable_amounts} without a readable amount` : ''}: not in the store`,
    );
  }
  for (const o of c.outside) {
    const where =
      o.month_status === 'closed'
        ? `${o.month} is closed: they are booked as adjustments in the next open month`
        : o.month_status === 'attributed'
          ? `attributed in ${o.month}`
          : `attributed in ${o.month}, which has no run since they arrived: allot attribute --period ${o.month}`;
    out.push(`${who}: ${o.rows} row${o.rows === 1 ? '' : 's'} (${roundDecimal(o.billed, 2)} ${o.currency}) charged in ${o.month}, outside the billing period; ${where}`);
  }
  if (c.exports.length > 1) out.push(`${who}: rows from ${c.exports.length} exports (${c.exports.join(', ')}); the same charges may be counted twice`);
  return out;
}
