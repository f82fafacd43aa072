import {
  GetCostAndUsageCommand,
  GetDimensionValuesCommand,
  type CostExplorerClient,
  type Expression,
  type GetCostAndUsageResponse,
  type GetDimensionValuesResponse,
} from '@aws-sdk/client-cost-explorer';
import { CostExplorerError, describeCeError, malformed } from './client.ts';
import { METRICS, parseCostPage, type CeRawRow } from './rows.ts';

/** What the pull cost: Cost Explorer bills each API call ($0.01 each). */
export interface CallStats {
  /** API calls that returned data (what AWS bills). */
  requests: number;
  /** HTTP requests sent, retries and failed calls included. */
  httpRequests: number;
  /** Times a paged query was started over because AWS said the data changed. */
  restarts: number;
}

export interface CeTimePeriod {
  Start: string;
  End: string;
}

/** Upper bound on pages of one query: a token loop is a bug, not a big month. */
const MAX_PAGES = 10_000;
export const DEFAULT_MAX_RESTARTS = 3;

async function call<T extends { $metadata?: { attempts?: number } }>(
  stats: CallStats,
  operation: string,
  where: string,
  send: () => Promise<T>,
): Promise<T> {
  try {
    const out = await send();
    stats.requests += 1;
    stats.httpRequests += out.$metadata?.attempts ?? 1;
    return out;
  } catch (e) {
    stats.httpRequests += (e as { $metadata?: { attempts?: number } }).$metadata?.attempts ?? 1;
    throw e;
  }
}

/**
 * Runs a paged query to its last page. `RequestChangedException` (the data
 * changed between pages) starts it over from the first page, at most
 * `maxRestarts` times; any other failure is described and thrown.
 */
async function allPages<T extends { NextPageToken?: string; $metadata?: { attempts?: number } }>(
  stats: CallStats,
  operation: string,
  where: string,
  maxRestarts: number,
  fetch: (token: string | undefined) => Promise<T>,
): Promise<T[]> {
  for (let attempt = 0; ; attempt++) {
    const pages: T[] = [];
    let token: string | undefined;
    try {
      do {
        const at = pages.length ? `${where}${where ? ', ' : ''}page ${pages.length + 1}` : where;
        const page = await call(stats, operation, at, () => fetch(token)).catch((e: unknown) => {
          if ((e as { name?: string }).name === 'RequestChangedException') throw e;
          throw describeCeError(operation, at, e);
        });
        if (page === null || typeof page !== 'object') throw malformed(operation, at, 'the body is not an object');
        pages.push(page);
        const next = page.NextPageToken;
        if (next !== undefined && next !== null && (typeof next !== 'string' || next === token)) {
          throw malformed(operation, at, `NextPageToken ${JSON.stringify(next)} does not advance`);
        }
        token = next || undefined;
        if (pages.length >= MAX_PAGES && token) throw malformed(operation, at, `more than ${MAX_PAGES} pages`);
      } while (token);
      return pages;
    } catch (e) {
      if (e instanceof CostExplorerError) throw e;
      if ((e as { name?: string }).name !== 'RequestChangedException') throw describeCeError(operation, where, e);
      if (attempt >= maxRestarts) {
        throw describeCeError(operation, `${where}${where ? ', ' : ''}data kept changing during paging, gave up after ${attempt + 1} tries`, e);
      }
      stats.restarts += 1;
    }
  }
}

export interface LinkedAccount {
  id: string;
  name: string | null;
}

/** The linked (member) accounts with cost in the period: GetDimensionValues LINKED_ACCOUNT, every page. */
export async function listLinkedAccounts(
  client: CostExplorerClient,
  timePeriod: CeTimePeriod,
  stats: CallStats,
  maxRestarts = DEFAULT_MAX_RESTARTS,
): Promise<LinkedAccount[]> {
  const pages = await allPages<GetDimensionValuesResponse>(stats, 'GetDimensionValues', 'LINKED_ACCOUNT', maxRestarts, (token) =>
    client.send(
      new GetDimensionValuesCommand({
        TimePeriod: timePeriod,
        Dimension: 'LINKED_ACCOUNT',
        Context: 'COST_AND_USAGE',
        ...(token ? { NextPageToken: token } : {}),
      }),
    ),
  );
  const seen = new Map<string, LinkedAccount>();
  pages.forEach((p, pi) => {
    const values = p.DimensionValues ?? [];
    if (!Array.isArray(values)) throw malformed('GetDimensionValues', `page ${pi + 1}`, 'DimensionValues is not a list');
    values.forEach((v, vi) => {
      const id = v?.Value;
      if (typeof id !== 'string' || id === '') {
        throw malformed('GetDimensionValues', `page ${pi + 1}`, `DimensionValues[${vi}].Value is ${JSON.stringify(id)}`);
      }
      const name = v.Attributes?.description;
      if (!seen.has(id)) seen.set(id, { id, name: typeof name === 'string' && name !== '' ? name : null });
    });
  });
  return [...seen.values()];
}

export interface AccountQuery {
  account: LinkedAccount;
  tagKey: string;
  /** Index of `tagKey` among the keys pulled. */
  level: number;
  /** Tag keys the resources must NOT carry (the earlier keys, for level > 0). */
  absentKeys: string[];
}

export interface AccountCosts {
  rows: CeRawRow[];
  estimatedDays: string[];
}

/**
 * One account's daily cost by [SERVICE, TAG tagKey], every page. Cost
 * Explorer allows two GroupBy, so the account is the filter, not a group.
 */
export async function fetchAccountCosts(
  client: CostExplorerClient,
  timePeriod: CeTimePeriod,
  q: AccountQuery,
  stats: CallStats,
  maxRestarts = DEFAULT_MAX_RESTARTS,
): Promise<AccountCosts> {
  const accountFilter: Expression = { Dimensions: { Key: 'LINKED_ACCOUNT', Values: [q.account.id] } };
  const filter: Expression = q.absentKeys.length
    ? { And: [accountFilter, ...q.absentKeys.map((k): Expression => ({ Tags: { Key: k, MatchOptions: ['ABSENT'] } }))] }
    : accountFilter;
  const where = `account ${q.account.id}${q.level > 0 ? `, tag ${q.tagKey}` : ''}`;
  const pages = await allPages<GetCostAndUsageResponse>(stats, 'GetCostAndUsage', where, maxRestarts, (token) =>
    client.send(
      new GetCostAndUsageCommand({
        TimePeriod: timePeriod,
        Granularity: 'DAILY',
        Metrics: METRICS,
        Filter: filter,
        GroupBy: [
          { Type: 'DIMENSION', Key: 'SERVICE' },
          { Type: 'TAG', Key: q.tagKey },
        ],
        ...(token ? { NextPageToken: token } : {}),
      }),
    ),
  );
  const out: AccountCosts = { rows: [], estimatedDays: [] };
  pages.forEach((p, pi) => {
    const parsed = parseCostPage(p, {
      account: q.account.id,
      accountName: q.account.name,
      tagKey: q.tagKey,
      level: q.level,
      where: pi ? `${where}, page ${pi + 1}` : where,
    });
    out.rows.push(...parsed.rows);
    out.estimatedDays.push(...parsed.estimatedDays);
  });
  return out;
}
