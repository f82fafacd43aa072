/**
 * The columns of an AWS Cost and Usage Report, whatever the flavour:
 *
 *   legacy  CUR CSV (`lineItem/UnblendedCost`, `resourceTags/user:team`);
 *   athena  the Athena/Parquet naming (`line_item_unblended_cost`, one
 *           `resource_tags_user_*` / `resource_tags_aws_*` column per tag key),
 *           as Parquet or as Hive text;
 *   cur2    CUR 2.0 / Data Exports: the Athena naming plus MAP columns
 *           `resource_tags` and `product` (JSON text in a CSV export).
 *
 * Every file column gets a canonical (Athena) name, so the mapping to FOCUS is
 * written once: `lineItem/UnblendedCost` → `line_item_unblended_cost`,
 * `reservation/ReservationARN` → `reservation_reservation_a_r_n` (Athena's own
 * spelling: each capital letter starts a word).
 */

export type CurFlavour = 'legacy' | 'athena' | 'cur2';

/** One column of the input file. */
export interface CurColumn {
  /** The name as written in the file. */
  name: string;
  /** Canonical Athena-style name (`line_item_unblended_cost`); tag columns keep theirs too. */
  canonical: string;
  /** The DuckDB type it is read as (always VARCHAR for text files). */
  type: string;
  /** Internal column name in the staging SQL: `__c<index>`. */
  ref: string;
  /** For a one-column-per-key tag column: the tag key it holds, as stored in `line_items.tags`. */
  tagKey?: string;
}

/**
 * Columns without which a file is not a usable CUR: the InputError names them
 * all. The brief's four (payer account, currency, unblended cost, usage start)
 * plus what `line_items` cannot be without (usage end, billing period) and
 * what decides EffectiveCost and ChargeCategory (line item type). Every CUR
 * flavour has all of them.
 */
export const MANDATORY: readonly { canonical: string; legacy: string }[] = [
  { canonical: 'bill_payer_account_id', legacy: 'bill/PayerAccountId' },
  { canonical: 'bill_billing_period_start_date', legacy: 'bill/BillingPeriodStartDate' },
  { canonical: 'bill_billing_period_end_date', legacy: 'bill/BillingPeriodEndDate' },
  { canonical: 'line_item_line_item_type', legacy: 'lineItem/LineItemType' },
  { canonical: 'line_item_usage_start_date', legacy: 'lineItem/UsageStartDate' },
  { canonical: 'line_item_usage_end_date', legacy: 'lineItem/UsageEndDate' },
  { canonical: 'line_item_currency_code', legacy: 'lineItem/CurrencyCode' },
  { canonical: 'line_item_unblended_cost', legacy: 'lineItem/UnblendedCost' },
];

/** `UnusedAmortizedUpfrontFeeForBillingPeriod` → `unused_amortized_upfront_fee_for_billing_period`, `ReservationARN` → `reservation_a_r_n`. */
export function snake(s: string): string {
  return s
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z])(?=[A-Z])/g, '$1_')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .toLowerCase();
}

/** A legacy `category/attribute` header → its Athena name; tag columns are handled by tagKeyOf. */
export function canonicalName(name: string): string {
  const slash = name.indexOf('/');
  if (slash < 0) return name.trim().toLowerCase();
  return `${snake(name.slice(0, slash))}_${snake(name.slice(slash + 1))}`;
}

/**
 * The tag key a one-column-per-key tag column holds, or undefined if it is
 * not one. User tags lose their `user:` prefix (team tag keys in the config
 * are plain: `team`); AWS-generated tags keep `aws:`.
 *
 * - legacy `resourceTags/user:team` → `team`, `resourceTags/aws:createdBy` → `aws:createdBy`
 *   (the original spelling: the CSV header has it);
 * - athena `resource_tags_user_cost_center` → `cost_center`, `resource_tags_aws_created_by`
 *   → `aws:created_by`. Athena's naming already lost the original spelling
 *   (`aws:eks:cluster-name` arrives as `resource_tags_aws_eks_cluster_name`),
 *   so the underscores are kept as they are: `aws:eks_cluster_name`.
 */
export function tagKeyOf(name: string, flavour: CurFlavour): string | undefined {
  if (flavour === 'legacy') {
    const m = /^resourceTags\/(.+)$/i.exec(name.trim());
    if (!m) return undefined;
    return m[1]!.replace(/^user:/, '');
  }
  const n = name.trim();
  if (n === 'resource_tags') return undefined; // the CUR 2.0 MAP column
  if (n.startsWith('resource_tags_user_')) return n.slice('resource_tags_user_'.length);
  if (n.startsWith('resource_tags_aws_')) return `aws:${n.slice('resource_tags_aws_'.length)}`;
  if (n.startsWith('resource_tags_')) return n.slice('resource_tags_'.length);
  return undefined;
}

/** CUR 2.0 MAP keys (`user_team`, `aws_created_by`) → stored keys, as SQL over a key expression. */
export function cur2TagKeySql(key: string): string {
  return `CASE WHEN starts_with(${key}, 'user_') THEN ${key}[6:] WHEN starts_with(${key}, 'aws_') THEN 'aws:' || ${key}[5:] ELSE ${key} END`;
}

const MAP_TYPE = /^MAP\(/i;

/**
 * Tells the flavour from the header: `/` in names is legacy; a `resource_tags`
 * or `product` column that is a MAP (Parquet) or that exists at all next to
 * Athena names (a CSV export of CUR 2.0 writes the maps as JSON) is CUR 2.0.
 */
export function detectFlavour(names: readonly { name: string; type: string }[]): CurFlavour {
  if (names.some((c) => c.name.includes('/'))) return 'legacy';
  if (names.some((c) => (c.name === 'resource_tags' || c.name === 'product') && (MAP_TYPE.test(c.type) || /^VARCHAR$/i.test(c.type)))) {
    return 'cur2';
  }
  return 'athena';
}

/** The file's columns with canonical names and tag keys; the first of two columns with one canonical name wins. */
export function describeColumns(raw: readonly { name: string; type: string }[]): { flavour: CurFlavour; columns: CurColumn[] } {
  const flavour = detectFlavour(raw);
  const columns = raw.map((c, i): CurColumn => {
    const tagKey = tagKeyOf(c.name, flavour);
    const col: CurColumn = {
      name: c.name,
      canonical: tagKey !== undefined ? `tag:${tagKey}` : canonicalName(c.name),
      type: c.type,
      ref: `__c${i}`,
    };
    if (tagKey !== undefined) col.tagKey = tagKey;
    return col;
  });
  return { flavour, columns };
}

/**
 * Two columns of the file with one canonical name (`resourceTags/user:team`
 * twice, or `BilledCost` and `billedcost` in Athena naming): which one holds
 * the value would be a guess. The first such pair, 1-based positions.
 */
export function duplicateColumn(columns: readonly CurColumn[]): { first: string; second: string; at: [number, number] } | undefined {
  const seen = new Map<string, number>();
  for (const [i, c] of columns.entries()) {
    const prev = seen.get(c.canonical);
    if (prev !== undefined) return { first: columns[prev]!.name, second: c.name, at: [prev + 1, i + 1] };
    seen.set(c.canonical, i);
  }
  return undefined;
}

/** Canonical name → the file's column (first wins). */
export function byCanonical(columns: readonly CurColumn[]): Map<string, CurColumn> {
  const m = new Map<string, CurColumn>();
  for (const c of columns) if (!m.has(c.canonical)) m.set(c.canonical, c);
  return m;
}

/** Mandatory columns the file lacks, spelled in the file's flavour. */
export function missingMandatory(columns: readonly CurColumn[], flavour: CurFlavour): string[] {
  const have = byCanonical(columns);
  return MANDATORY.filter((m) => !have.has(m.canonical)).map((m) => (flavour === 'legacy' ? m.legacy : m.canonical));
}
