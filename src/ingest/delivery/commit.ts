import { basename } from 'node:path';
import type { Store } from '../../store/db.ts';
import { nextImportId } from '../../store/imports.ts';
import { PENDING } from './pending.ts';
import { sqlFolder } from '../../store/sql.ts';
import { PermanentError } from '../../util/errors.ts';
import type { Coverage, DeliveredPart, DeliveryPlan, DeliveryResult, ScopeChange } from './types.ts';

/*
 * How a delivery relates to earlier ones, once its parts are in line_items:
 *
 * - Its scope is every (billing account, billing period) its rows cover.
 * - `restate`: the current rows in its scope that came from the same export
 *   are replaced (line_items.superseded_by = the delivery). Loose files and
 *   imports made before deliveries existed carry no export identity, so they
 *   count as the same export as anything of the same billing account. Rows of
 *   its own parts are current, also when a part is an earlier import given
 *   again (which is how parts imported by separate commands are repaired).
 * - `append`: nothing is replaced; its rows add to the scope.
 * - Loose files (no manifest) may be one part of several: a loose delivery
 *   that would replace rows it does not restate (it repeats few of their line
 *   items, or leaves out charge days or sub-accounts they cover) is refused
 *   unless `replace` is given, so a part never silently stands in for the
 *   whole bill.
 *
 * A delivery's own rows are pending until it is recorded here; then they
 * are current.
 *
 * Call inside store.transaction(), after the parts' rows were written (and,
 * for a big delivery, committed: DuckDB holds a transaction's own new rows in
 * memory, too many to check them at ten million).
 */

const sql = sqlFolder(new URL('./sql/', import.meta.url));

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/** A loose file would replace a bigger part of the bill than it brings. Nothing was imported. */
export class PartialReplacementError extends PermanentError {}

/** Two parts of one delivery hold the same line items. Nothing was imported. */
export class DuplicatePartError extends PermanentError {}

export interface CommitDeliveryOptions {
  /** Let a loose delivery replace rows even where it covers less than they did. */
  replace?: boolean;
  /** What the CLI would have to be told to import all parts together (for the refusal message). */
  hint?: (files: string[]) => string;
  now?: Date;
}

interface CoverageRow {
  billing_account_id: string;
  billing_period: string;
  rows: string;
  charge_days: string;
  sub_accounts: string;
}

/** Records the delivery, replaces what it restates, and says what changed. */
export async function commitDelivery(store: Store, plan: DeliveryPlan, parts: DeliveredPart[], opts: CommitDeliveryOptions = {}): Promise<DeliveryResult> {
  const importIds = [...new Set(parts.flatMap((p) => (p.importId === null ? [] : [p.importId])))];
  // Delivery ids come from the imports' sequence: a run's input_seq orders both.
  const id = await nextImportId(store);

  await store.run(sql('parts'), [JSON.stringify(importIds)]);
  if (importIds.length) await store.run(sql('export-key'), [plan.exportKey, plan.layout !== 'files']);
  await store.run(sql('new'));
  await checkOverlap(store, parts);
  await store.run(sql('old'), [plan.mode, plan.layout, plan.exportKey]);
  await store.run(sql('old-rows'));

  const { before, after } = await coverage(store);
  const replacedByScope = await store.all<{ billing_account_id: string; billing_period: string; deliveries: string }>(sql('replaced'));
  const changes: ScopeChange[] = after.map((a) => {
    const b = before.find((x) => x.billing_account_id === a.billing_account_id && x.billing_period === a.billing_period);
    const r = replacedByScope.find((x) => x.billing_account_id === a.billing_account_id && x.billing_period === a.billing_period);
    return {
      billing_account_id: a.billing_account_id,
      billing_period: a.billing_period,
      before: b ? b.coverage : null,
      after: a.coverage,
      replaced_deliveries: r ? (JSON.parse(r.deliveries) as number[]) : [],
    };
  });

  if (plan.layout === 'files' && plan.mode === 'restate' && !opts.replace) await refusePartialReplacement(store, parts, changes, opts);

  const reactivated = Number((await store.one<{ n: string }>(sql('reactivated'), [PENDING]))!.n);
  const replacedRows = changes.reduce((n, c) => n + (c.before?.rows ?? 0), 0);
  const fresh = parts.some((p) => p.fresh);
  const changed = fresh || reactivated > 0 || replacedRows > 0;
  const replaced = [...new Set(changes.flatMap((c) => c.replaced_deliveries))].sort((a, b) => a - b);

  let note: string | null = null;
  if (changed) {
    if (replacedRows > 0) await store.run(sql('supersede'), [id]);
    if (fresh || reactivated > 0) await store.run(sql('activate'));
    if (replaced.length) note = `replaces ${replaced.map((d) => `#${d}`).join(', ')}`;
  } else {
    const same = await store.one<{ d: number | null }>(sql('same-as'));
    note = same?.d ? `same as delivery #${same.d}; nothing changed` : 'nothing changed';
  }

  const rowsLoaded = after.reduce((n, a) => n + a.coverage.rows, 0);
  await store.run(
    sql('record'),
    [
      id, plan.source, plan.layout, plan.exportKey, plan.mode, plan.manifest ?? null, plan.manifestSha256 ?? null, plan.ref ?? null,
      parts.length, rowsLoaded, changed ? 'active' : 'noop', JSON.stringify(changes), note,
      plan.deliveredAt ?? null, (opts.now ?? new Date()).toISOString(),
    ],
  );
  for (const [i, p] of parts.entries()) {
    await store.run(sql('record-part'), [
      id, i + 1, p.importId, p.file, p.sha256, p.rowsRead, p.bytes ?? null, p.expectedRows ?? null, p.expectedBytes ?? null, p.note ?? null,
    ]);
  }
  await store.run(sql('imports-active'));
  if (changed) await refreshStatus(store, id);
  for (const t of ['dlv_parts', 'dlv_new', 'dlv_scope', 'dlv_old_imports', 'dlv_old']) await store.run(`DROP TABLE IF EXISTS ${t}`);

  return {
    deliveryId: id,
    status: changed ? 'active' : 'noop',
    source: plan.source,
    layout: plan.layout,
    exportKey: plan.exportKey,
    mode: plan.mode,
    manifest: plan.manifest ?? null,
    ref: plan.ref ?? null,
    parts,
    rowsLoaded,
    changes,
    replaced,
    note,
  };
}

type ScopeCoverage = { billing_account_id: string; billing_period: string; coverage: Coverage };

/** What the rows before (dlv_old) and after (dlv_new) the delivery cover, per billing account and period. */
async function coverage(store: Store): Promise<{ before: ScopeCoverage[]; after: ScopeCoverage[] }> {
  const rows = await store.all<CoverageRow & { side: 'old' | 'new' }>(sql('coverage'));
  const money = await store.all<{ side: 'old' | 'new'; billing_account_id: string; billing_period: string; currency: string; amount: string }>(sql('coverage-money'));
  const side = (which: 'old' | 'new'): ScopeCoverage[] =>
    rows
      .filter((r) => r.side === which)
      .map((r) => ({
        billing_account_id: r.billing_account_id,
        billing_period: r.billing_period,
        coverage: {
          rows: Number(r.rows),
          charge_days: Number(r.charge_days),
          sub_accounts: Number(r.sub_accounts),
          billed_cost: money
            .filter((m) => m.side === which && m.billing_account_id === r.billing_account_id && m.billing_period === r.billing_period)
            .map((m) => ({ currency: m.currency, amount: m.amount })),
        },
      }));
  return { before: side('old'), after: side('new') };
}

/**
 * Loose files carry no export identity, so whether they restate what is
 * stored, or are one part of several, is told from the rows: a restatement
 * repeats most of the line items it replaces and covers every charge day and
 * sub-account they cover. Anything else (a sibling part repeats none) is
 * refused, with how to import it.
 */
async function refusePartialReplacement(store: Store, parts: DeliveredPart[], changes: ScopeChange[], opts: CommitDeliveryOptions): Promise<void> {
  if (!changes.some((c) => c.before)) return;
  const found = await store.all<{ billing_account_id: string; billing_period: string; old_rows: string; repeated: string; missing_days: string; missing_subs: string }>(
    sql('partial-replacement'),
  );
  for (const f of found) {
    const oldRows = Number(f.old_rows);
    const repeated = Number(f.repeated);
    const days = JSON.parse(f.missing_days) as string[];
    const subs = JSON.parse(f.missing_subs) as string[];
    const why = [
      repeated * 2 < oldRows ? `repeat ${repeated === 0 ? 'none' : `only ${repeated}`} of its ${oldRows} line items` : '',
      days.length ? `leave out ${plural(days.length, 'charge day')} it covers (${dayList(days)})` : '',
      subs.length ? `leave out ${subs.length === 1 ? 'sub-account' : 'sub-accounts'} ${subs.join(', ')}` : '',
    ].filter(Boolean);
    if (!why.length) continue;
    const c = changes.find((x) => x.billing_account_id === f.billing_account_id && x.billing_period === f.billing_period)!;
    const names = parts.map((p) => basename(p.file)).join(', ');
    const one = parts.length === 1;
    throw new PartialReplacementError(
      `${names} would replace billing account ${c.billing_account_id}, ${c.billing_period} (delivery ${c.replaced_deliveries.map((d) => `#${d}`).join(', ')}: ` +
        `${describe(c.before!)}) with rows that ${why.join(' and ')}: ${one ? 'it looks' : 'they look'} like another part of the same export, not a restatement. ` +
        `Import all parts of the export together in one command${opts.hint ? ` (${opts.hint(parts.map((p) => p.file))} and the other parts)` : ''} or give its manifest; ` +
        `if ${one ? 'it really replaces' : 'they really replace'} the stored rows, add --replace. Nothing was imported`,
    );
  }
}

const describe = (c: Coverage): string =>
  `${plural(c.rows, 'row')}, ${plural(c.charge_days, 'charge day')}, ${c.billed_cost.map((b) => `${b.amount.replace(/(\.\d\d)\d*$/, '$1')} ${b.currency}`).join(' + ')}`;

/** "2026-10-01 to 2026-10-15": consecutive days as one range; a long list is cut. */
function dayList(days: string[]): string {
  const next = (d: string): string => new Date(Date.parse(`${d}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
  const ranges: string[] = [];
  let start = days[0]!;
  let prev = start;
  for (const d of [...days.slice(1), '']) {
    if (d && d === next(prev)) {
      prev = d;
      continue;
    }
    ranges.push(start === prev ? start : `${start} to ${prev}`);
    start = d;
    prev = d;
  }
  return ranges.length > 4 ? `${ranges.slice(0, 4).join(', ')}, …` : ranges.join(', ');
}

/**
 * Two parts of one delivery that share most of their line items are the same
 * export twice (a CSV and its gzip, or an export and its restatement matched
 * by one glob): counting both would count the bill twice. Parts of one export
 * partition its line items, so an overlap of half the smaller part is refused.
 */
async function checkOverlap(store: Store, parts: DeliveredPart[]): Promise<void> {
  const fresh = parts.filter((p) => p.importId !== null);
  if (fresh.length < 2) return;
  // Only rows of the same account, sub-account and charge day can be the same
  // line item: parts split by account or by day (the usual case) share none,
  // and are not hashed at all.
  const pairs = await store.all<{ a: number; b: number; n: string }>(sql('overlap'), [JSON.stringify(fresh.map((p) => p.importId))]);
  for (const pair of pairs) {
    const a = fresh.find((p) => p.importId === pair.a)!;
    const b = fresh.find((p) => p.importId === pair.b)!;
    const smaller = Math.min(a.rowsLoaded, b.rowsLoaded);
    if (smaller > 0 && Number(pair.n) * 2 >= smaller) {
      throw new DuplicatePartError(
        `${a.file} and ${b.file} hold the same line items (${pair.n} of ${smaller} rows): the same export twice, or an export and its restatement? ` +
          'Import each delivery on its own (a later one replaces the earlier); nothing was imported',
      );
    }
  }
}

/**
 * After a delivery: an import is active while it has a current row, and a
 * delivery while it is the current delivery of an active import.
 */
async function refreshStatus(store: Store, id: number): Promise<void> {
  await store.run(sql('touched'));
  await store.run(sql('status-imports'), [id]);
  await store.run(sql('status-deliveries'), [id]);
  await store.run('DROP TABLE dlv_touched');
}
