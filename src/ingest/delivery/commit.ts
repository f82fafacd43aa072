import { basename } from 'node:path';
import type { Store } from '../../store/db.ts';
import { PENDING } from './pending.ts';
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
  const id = (await store.one<{ id: number }>(`SELECT nextval('import_id_seq')::INTEGER AS id`))!.id;

  await store.run(`CREATE OR REPLACE TEMP TABLE dlv_parts AS SELECT unnest(from_json($1, '["INTEGER"]')) AS import_id`, [JSON.stringify(importIds)]);
  if (importIds.length) {
    await store.run(`UPDATE imports SET export_key = $1 WHERE import_id IN (SELECT import_id FROM dlv_parts) AND export_key IS NULL AND $2`, [
      plan.exportKey,
      plan.layout !== 'files',
    ]);
  }
  // Per (account, period, import, day, sub-account, currency): small, and enough for every summary below.
  await store.run(
    `CREATE OR REPLACE TEMP TABLE dlv_new AS
     SELECT billing_account_id, billing_period_start, import_id, CAST(charge_period_start AS DATE) AS day, sub_account_id,
            billing_currency, count(*) AS n, sum(billed_cost) AS billed
     FROM line_items WHERE import_id IN (SELECT import_id FROM dlv_parts) GROUP BY ALL`,
  );
  await checkOverlap(store, parts);
  await store.run(`CREATE OR REPLACE TEMP TABLE dlv_scope AS SELECT DISTINCT billing_account_id, billing_period_start FROM dlv_new`);
  // Imports whose current rows a restating delivery replaces in its scope.
  await store.run(
    `CREATE OR REPLACE TEMP TABLE dlv_old_imports AS
     SELECT import_id FROM imports
     WHERE $1 = 'restate' AND import_id NOT IN (SELECT import_id FROM dlv_parts)
       AND ($2 = 'files' OR export_key IS NULL OR export_key = $3)`,
    [plan.mode, plan.layout, plan.exportKey],
  );
  await store.run(
    `CREATE OR REPLACE TEMP TABLE dlv_old AS
     SELECT l.billing_account_id, l.billing_period_start, l.import_id, CAST(l.charge_period_start AS DATE) AS day, l.sub_account_id,
            l.billing_currency, count(*) AS n, sum(l.billed_cost) AS billed
     FROM line_items l JOIN dlv_scope s USING (billing_account_id, billing_period_start)
     WHERE l.superseded_by IS NULL AND l.import_id IN (SELECT import_id FROM dlv_old_imports)
     GROUP BY ALL`,
  );

  const before = await coverage(store, 'dlv_old');
  const after = await coverage(store, 'dlv_new');
  const replacedByScope = await store.all<{ billing_account_id: string; billing_period: string; deliveries: string }>(
    `SELECT o.billing_account_id, strftime(o.billing_period_start, '%Y-%m') AS billing_period,
            to_json(list(DISTINCT c.delivery_id ORDER BY c.delivery_id))::VARCHAR AS deliveries
     FROM dlv_old o JOIN (${CURRENT_DELIVERY}) c USING (import_id) GROUP BY ALL`,
  );
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

  const reactivated = Number(
    (await store.one<{ n: string }>(
      `SELECT count(*) AS n FROM line_items WHERE import_id IN (SELECT import_id FROM dlv_parts) AND superseded_by IS NOT NULL AND superseded_by <> $1`,
      [PENDING],
    ))!.n,
  );
  const replacedRows = changes.reduce((n, c) => n + (c.before?.rows ?? 0), 0);
  const fresh = parts.some((p) => p.fresh);
  const changed = fresh || reactivated > 0 || replacedRows > 0;
  const replaced = [...new Set(changes.flatMap((c) => c.replaced_deliveries))].sort((a, b) => a - b);

  let note: string | null = null;
  if (changed) {
    if (replacedRows > 0) {
      await store.run(
        `UPDATE line_items l SET superseded_by = $1 FROM dlv_scope s
         WHERE l.superseded_by IS NULL AND l.billing_account_id = s.billing_account_id AND l.billing_period_start = s.billing_period_start
           AND l.import_id IN (SELECT import_id FROM dlv_old_imports)`,
        [id],
      );
    }
    // Its own rows become current: the pending ones it wrote, and any of an earlier import it repeats.
    if (fresh || reactivated > 0) await store.run(`UPDATE line_items SET superseded_by = NULL WHERE import_id IN (SELECT import_id FROM dlv_parts) AND superseded_by IS NOT NULL`);
    if (replaced.length) note = `replaces ${replaced.map((d) => `#${d}`).join(', ')}`;
  } else {
    const same = await store.one<{ d: number }>(`SELECT max(delivery_id) AS d FROM (${CURRENT_DELIVERY}) WHERE import_id IN (SELECT import_id FROM dlv_parts)`);
    note = same?.d ? `same as delivery #${same.d}; nothing changed` : 'nothing changed';
  }

  const rowsLoaded = after.reduce((n, a) => n + a.coverage.rows, 0);
  await store.run(
    `INSERT INTO deliveries VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, NULL, $12::JSON, $13, $14::TIMESTAMP, $15::TIMESTAMP)`,
    [
      id, plan.source, plan.layout, plan.exportKey, plan.mode, plan.manifest ?? null, plan.manifestSha256 ?? null, plan.ref ?? null,
      parts.length, rowsLoaded, changed ? 'active' : 'noop', JSON.stringify(changes), note,
      plan.deliveredAt ?? null, (opts.now ?? new Date()).toISOString(),
    ],
  );
  for (const [i, p] of parts.entries()) {
    await store.run(`INSERT INTO delivery_parts VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, [
      id, i + 1, p.importId, p.file, p.sha256, p.rowsRead, p.bytes ?? null, p.expectedRows ?? null, p.expectedBytes ?? null, p.note ?? null,
    ]);
  }
  await store.run(`UPDATE imports SET status = 'active' WHERE status = 'pending' AND import_id IN (SELECT import_id FROM dlv_parts)`);
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

/** Each import's current delivery: the newest delivery (not a no-op) that lists it. */
const CURRENT_DELIVERY = `SELECT p.import_id, max(p.delivery_id) AS delivery_id
  FROM delivery_parts p JOIN deliveries d USING (delivery_id)
  WHERE d.status <> 'noop' AND p.import_id IS NOT NULL GROUP BY p.import_id`;

async function coverage(store: Store, table: string): Promise<{ billing_account_id: string; billing_period: string; coverage: Coverage }[]> {
  const rows = await store.all<CoverageRow>(
    `SELECT billing_account_id, strftime(billing_period_start, '%Y-%m') AS billing_period, sum(n)::VARCHAR AS rows,
            count(DISTINCT day)::VARCHAR AS charge_days, count(DISTINCT sub_account_id)::VARCHAR AS sub_accounts
     FROM ${table} GROUP BY ALL ORDER BY ALL`,
  );
  const money = await store.all<{ billing_account_id: string; billing_period: string; currency: string; amount: string }>(
    `SELECT billing_account_id, strftime(billing_period_start, '%Y-%m') AS billing_period, billing_currency AS currency, sum(billed)::VARCHAR AS amount
     FROM ${table} GROUP BY ALL ORDER BY ALL`,
  );
  return rows.map((r) => ({
    billing_account_id: r.billing_account_id,
    billing_period: r.billing_period,
    coverage: {
      rows: Number(r.rows),
      charge_days: Number(r.charge_days),
      sub_accounts: Number(r.sub_accounts),
      billed_cost: money
        .filter((m) => m.billing_account_id === r.billing_account_id && m.billing_period === r.billing_period)
        .map((m) => ({ currency: m.currency, amount: m.amount })),
    },
  }));
}

/**
 * What a line item is, money and quantities aside: a restatement of a month
 * repeats its line items (amounts and usage may change), while another part
 * of the same export holds different ones.
 */
const IDENTITY = `hash(billing_account_id, sub_account_id, charge_period_start, charge_period_end, charge_category, charge_description,
  service_name, resource_id, sku_id, sku_price_id, region_id, commitment_discount_id, tags)`;

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
    `WITH old AS (
       SELECT l.billing_account_id, l.billing_period_start, ${IDENTITY.replaceAll('\n', ' ')} AS h
       FROM line_items l JOIN dlv_scope s USING (billing_account_id, billing_period_start)
       WHERE l.superseded_by IS NULL AND l.import_id IN (SELECT import_id FROM dlv_old_imports)),
     new AS (SELECT DISTINCT billing_account_id, billing_period_start, ${IDENTITY.replaceAll('\n', ' ')} AS h
             FROM line_items WHERE import_id IN (SELECT import_id FROM dlv_parts)),
     repeats AS (
       SELECT o.billing_account_id, o.billing_period_start, count(*) AS old_rows, count(n.h) AS repeated
       FROM old o LEFT JOIN new n USING (billing_account_id, billing_period_start, h) GROUP BY ALL),
     gaps AS (
       SELECT o.billing_account_id, o.billing_period_start,
              to_json(list(DISTINCT strftime(o.day, '%Y-%m-%d') ORDER BY strftime(o.day, '%Y-%m-%d'))
                FILTER (WHERE NOT EXISTS (SELECT 1 FROM dlv_new n WHERE n.billing_account_id = o.billing_account_id
                                          AND n.billing_period_start = o.billing_period_start AND n.day = o.day)))::VARCHAR AS missing_days,
              to_json(list(DISTINCT o.sub_account_id ORDER BY o.sub_account_id)
                FILTER (WHERE o.sub_account_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM dlv_new n WHERE n.billing_account_id = o.billing_account_id
                                          AND n.billing_period_start = o.billing_period_start AND n.sub_account_id = o.sub_account_id)))::VARCHAR AS missing_subs
       FROM dlv_old o GROUP BY ALL)
     SELECT r.billing_account_id, strftime(r.billing_period_start, '%Y-%m') AS billing_period, r.old_rows::VARCHAR AS old_rows,
            r.repeated::VARCHAR AS repeated, coalesce(g.missing_days, '[]') AS missing_days, coalesce(g.missing_subs, '[]') AS missing_subs
     FROM repeats r LEFT JOIN gaps g USING (billing_account_id, billing_period_start)
     ORDER BY 1, 2`,
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
  const pairs = await store.all<{ a: number; b: number; n: string }>(
    `WITH ids AS (SELECT unnest(from_json($1, '["INTEGER"]')) AS import_id),
     shared_keys AS (
       SELECT billing_account_id, sub_account_id, day FROM dlv_new WHERE import_id IN (SELECT import_id FROM ids)
       GROUP BY ALL HAVING count(DISTINCT import_id) > 1),
     h AS (
       SELECT import_id, ${IDENTITY} AS h FROM (
         SELECT l.* FROM line_items l SEMI JOIN shared_keys k
           ON l.billing_account_id = k.billing_account_id AND l.sub_account_id IS NOT DISTINCT FROM k.sub_account_id
          AND CAST(l.charge_period_start AS DATE) = k.day
         WHERE l.import_id IN (SELECT import_id FROM ids))),
     shared AS (SELECT h, min(import_id) AS a, max(import_id) AS b FROM h GROUP BY h HAVING count(DISTINCT import_id) > 1)
     SELECT a, b, count(*)::VARCHAR AS n FROM shared GROUP BY a, b ORDER BY count(*) DESC`,
    [JSON.stringify(fresh.map((p) => p.importId))],
  );
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
  await store.run(
    `CREATE OR REPLACE TEMP TABLE dlv_touched AS
     SELECT DISTINCT import_id FROM (SELECT import_id FROM dlv_parts UNION ALL SELECT import_id FROM dlv_old)`,
  );
  await store.run(
    `UPDATE imports SET
       status = CASE WHEN EXISTS (SELECT 1 FROM line_items l WHERE l.import_id = imports.import_id AND l.superseded_by IS NULL) THEN 'active' ELSE 'superseded' END,
       superseded_by = CASE WHEN EXISTS (SELECT 1 FROM line_items l WHERE l.import_id = imports.import_id AND l.superseded_by IS NULL) THEN NULL ELSE $1 END
     WHERE import_id IN (SELECT import_id FROM dlv_touched) AND status <> 'noop'
       AND EXISTS (SELECT 1 FROM line_items l WHERE l.import_id = imports.import_id)`,
    [id],
  );
  await store.run(
    `UPDATE deliveries SET
       status = CASE WHEN delivery_id IN (SELECT c.delivery_id FROM (${CURRENT_DELIVERY}) c JOIN imports i USING (import_id) WHERE i.status = 'active')
                     THEN 'active' ELSE 'superseded' END,
       superseded_by = CASE WHEN delivery_id IN (SELECT c.delivery_id FROM (${CURRENT_DELIVERY}) c JOIN imports i USING (import_id) WHERE i.status = 'active')
                            THEN NULL ELSE $1 END
     WHERE status <> 'noop' AND delivery_id <> $1
       AND delivery_id IN (SELECT delivery_id FROM delivery_parts WHERE import_id IN (SELECT import_id FROM dlv_touched))`,
    [id],
  );
  await store.run('DROP TABLE dlv_touched');
}
