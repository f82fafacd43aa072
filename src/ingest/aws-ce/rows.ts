import type { GetCostAndUsageResponse } from '@aws-sdk/client-cost-explorer';
import { malformed } from './client.ts';

/** Cost Explorer metric → FOCUS measure. ListCost is UnblendedCost too (see README). */
export const EFFECTIVE_METRIC = 'AmortizedCost';
export const BILLED_METRIC = 'UnblendedCost';
export const METRICS = [EFFECTIVE_METRIC, BILLED_METRIC];

/** One Cost Explorer group of one day, as read: amounts are exact decimal strings. */
export interface CeRawRow {
  account: string;
  accountName: string | null;
  service: string;
  /** YYYY-MM-DD */
  day: string;
  dayEnd: string;
  currency: string;
  amortized: string;
  unblended: string;
  /** Index into the pulled tag keys of the query this row came from. */
  level: number;
  tagKey: string;
  /** null: the resource has no `tagKey` tag (`team$` in Cost Explorer). */
  tagValue: string | null;
  estimated: boolean;
}

export interface ParsedPage {
  rows: CeRawRow[];
  /** Days (YYYY-MM-DD) of this page that AWS marked `Estimated: true`. */
  estimatedDays: string[];
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const NUMBER = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/**
 * A Cost Explorer `Amount` as a plain decimal string, digit for digit. AWS
 * sends plain strings ("1234.5678901234"); an exponent form is shifted
 * without ever going through a binary float. Anything else is undefined.
 */
export function plainDecimal(amount: unknown): string | undefined {
  if (typeof amount !== 'string') return undefined;
  const m = NUMBER.exec(amount.trim());
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) return undefined;
  const sign = m[1] === '-' ? '-' : '';
  let int = m[2] ?? '';
  let frac = m[3] ?? '';
  const exp = Number(m[4] ?? 0);
  if (!Number.isSafeInteger(exp) || Math.abs(exp) > 60) return undefined;
  if (exp > 0) {
    frac = frac.padEnd(exp, '0');
    int += frac.slice(0, exp);
    frac = frac.slice(exp);
  } else if (exp < 0) {
    int = int.padStart(-exp, '0');
    frac = int.slice(int.length + exp) + frac;
    int = int.slice(0, int.length + exp);
  }
  int = int.replace(/^0+(?=\d)/, '') || '0';
  return `${sign}${int}${frac ? `.${frac}` : ''}`;
}

/**
 * Reads one GetCostAndUsage page grouped by [SERVICE, TAG tagKey] into rows,
 * checking the shape as it goes: a response that is not what Cost Explorer
 * sends fails the pull with the path of the first bad field.
 */
export function parseCostPage(
  page: GetCostAndUsageResponse,
  ctx: { account: string; accountName: string | null; tagKey: string; level: number; where: string },
): ParsedPage {
  const bad = (why: string) => malformed('GetCostAndUsage', ctx.where, why);
  if (page === null || typeof page !== 'object') throw bad('the body is not an object');
  const results = page.ResultsByTime ?? [];
  if (!Array.isArray(results)) throw bad('ResultsByTime is not a list');

  // Keys follow GroupBy; use the definitions AWS echoes when it sends them.
  let serviceAt = 0;
  let tagAt = 1;
  if (Array.isArray(page.GroupDefinitions) && page.GroupDefinitions.length > 0) {
    serviceAt = page.GroupDefinitions.findIndex((g) => g?.Type === 'DIMENSION' && g.Key === 'SERVICE');
    tagAt = page.GroupDefinitions.findIndex((g) => g?.Type === 'TAG' && g.Key === ctx.tagKey);
    if (serviceAt < 0 || tagAt < 0) throw bad(`GroupDefinitions ${JSON.stringify(page.GroupDefinitions)} are not [SERVICE, TAG ${ctx.tagKey}]`);
  }
  const prefix = `${ctx.tagKey}$`;

  const rows: CeRawRow[] = [];
  const estimatedDays: string[] = [];
  results.forEach((r, ri) => {
    const at = `ResultsByTime[${ri}]`;
    if (r === null || typeof r !== 'object') throw bad(`${at} is not an object`);
    const start = r.TimePeriod?.Start;
    const end = r.TimePeriod?.End;
    if (typeof start !== 'string' || !DATE.test(start) || typeof end !== 'string' || !DATE.test(end) || end <= start) {
      throw bad(`${at}.TimePeriod is ${JSON.stringify(r.TimePeriod)}, not two dates`);
    }
    const estimated = r.Estimated === true;
    if (estimated) estimatedDays.push(start);
    const groups = r.Groups ?? [];
    if (!Array.isArray(groups)) throw bad(`${at}.Groups is not a list`);
    groups.forEach((g, gi) => {
      const gat = `${at}.Groups[${gi}]`;
      const keys = g?.Keys;
      if (!Array.isArray(keys) || keys.length !== 2 || !keys.every((k) => typeof k === 'string')) {
        throw bad(`${gat}.Keys is ${JSON.stringify(keys)}, not [service, "${prefix}value"]`);
      }
      const service = keys[serviceAt]!;
      const tag = keys[tagAt]!;
      if (!tag.startsWith(prefix)) throw bad(`${gat}.Keys[${tagAt}] is "${tag}", not "${prefix}value"`);
      const value = tag.slice(prefix.length);
      const metric = (name: string) => {
        const m = g.Metrics?.[name];
        const amount = plainDecimal(m?.Amount);
        if (amount === undefined) throw bad(`${gat}.Metrics.${name}.Amount is ${JSON.stringify(m?.Amount)}, not a decimal`);
        if (typeof m?.Unit !== 'string' || m.Unit.trim() === '') throw bad(`${gat}.Metrics.${name}.Unit is ${JSON.stringify(m?.Unit)}`);
        return { amount, unit: m.Unit.trim() };
      };
      const amortized = metric(EFFECTIVE_METRIC);
      const unblended = metric(BILLED_METRIC);
      if (amortized.unit !== unblended.unit) {
        throw bad(`${gat}: ${EFFECTIVE_METRIC} is in ${amortized.unit} but ${BILLED_METRIC} in ${unblended.unit}`);
      }
      rows.push({
        account: ctx.account,
        accountName: ctx.accountName,
        service,
        day: start,
        dayEnd: end,
        currency: unblended.unit,
        amortized: amortized.amount,
        unblended: unblended.amount,
        level: ctx.level,
        tagKey: ctx.tagKey,
        tagValue: value === '' ? null : value,
        estimated,
      });
    });
  });
  return { rows, estimatedDays };
}
