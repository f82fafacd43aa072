import { CloudCatalogClient, type protos } from '@google-cloud/billing';
import type { Store } from '../../store/db.ts';
import { sqlFolder } from '../../store/sql.ts';
import { unitsNanos } from './decimal.ts';
import { GcpApiError, GcpResponseError, catalogHint, credentialsError, isCredentialsError, readFailure } from './errors.ts';

/**
 * On-demand Compute Engine list prices per vCPU-hour and GiB-hour of RAM, by
 * region and machine family, from the Cloud Billing Catalog API — the unit
 * prices the value report compares clusters against. Stored in `list_prices`
 * (migration 002), all rows of provider 'gcp' replaced in one transaction.
 */

const sql = sqlFolder(new URL('./sql/', import.meta.url));

export const COMPUTE_ENGINE_SERVICE = 'services/6F81-5844-456A';
const COMPUTE_ENGINE_NAME = 'Compute Engine';

type Sku = protos.google.cloud.billing.v1.ISku;
type Service = protos.google.cloud.billing.v1.IService;

/** The google-gax CallOptions Allot passes (google-gax is the SDK's dependency, not Allot's). */
interface CallOptions {
  autoPaginate: boolean;
  maxRetries: number;
  retry: {
    retryCodes: number[];
    backoffSettings: { initialRetryDelayMillis: number; retryDelayMultiplier: number; maxRetryDelayMillis: number };
  };
}

export interface CatalogRetry {
  /** HTTP statuses to retry (the lists are non-idempotent in the SDK, so nothing is retried unless said). */
  retryCodes: number[];
  /** Attempts in all, including the first. */
  maxRetries: number;
  initialRetryDelayMillis: number;
  retryDelayMultiplier: number;
  maxRetryDelayMillis: number;
}

export const DEFAULT_CATALOG_RETRY: CatalogRetry = {
  retryCodes: [429, 503],
  maxRetries: 6,
  initialRetryDelayMillis: 1000,
  retryDelayMultiplier: 2,
  maxRetryDelayMillis: 30_000,
};

export interface GcpPriceOptions {
  /** Currency the catalog prices in (default USD). */
  currency?: string;
  /** A ready client (tests). Default: HTTP/JSON (`fallback: true`) with Application Default Credentials. */
  client?: CloudCatalogClient;
  retry?: Partial<CatalogRetry>;
  /** Items per page asked of the API (default 5000, its maximum). */
  pageSize?: number;
  now?: () => Date;
}

export interface ListPrice {
  provider: 'gcp';
  service: string;
  sku_id: string;
  description: string;
  region: string;
  machine_family: string;
  resource: 'cpu' | 'memory';
  unit: 'core-hour' | 'gib-hour';
  /** Exact decimal string (units + nanos/1e9 done on digits). */
  price: string;
  currency: string;
  /** ISO 8601, when the catalog says the price took effect. */
  effective_time: string | null;
}

export interface GcpPriceResult {
  service: string;
  serviceName: string;
  currency: string;
  skusRead: number;
  /** SKUs that gave prices. */
  skusUsed: number;
  /** Rows now in list_prices for provider 'gcp'. */
  rows: number;
  /** Rows of the previous fetch that were replaced. */
  replaced: number;
  families: string[];
  regions: number;
  /** A region listed by two SKUs of the same family and resource: the latest effective one was kept. */
  duplicates: number;
  fetchedAt: string;
}

/** `N2 Instance Core running in Americas`, `N2D AMD Instance Ram running in …`, `N1 Predefined Instance Core …`, `M3 Memory-optimized Instance Core …`. */
const SKU_DESCRIPTION =
  /^(?<family>[A-Z][A-Z0-9]{0,4})(?: (?:AMD|Arm|Intel))?(?: Memory-optimized| Compute-optimized)?(?: Predefined)? Instance (?<res>Core|Ram) running in \S/;
/** First-generation names without a family prefix. */
const LEGACY: [RegExp, string][] = [
  [/^Compute optimized (?<res>Core|Ram) running in \S/, 'c2'],
  [/^Memory-optimized Instance (?<res>Core|Ram) running in \S/, 'm1'],
];

/** The machine family and resource a SKU prices, or why it is not an on-demand vCPU/RAM price. */
export function classifySku(sku: Pick<Sku, 'description' | 'category'>): { family: string; resource: 'cpu' | 'memory' } | { skip: string } {
  const cat = sku.category ?? {};
  if (cat.resourceFamily !== 'Compute') return { skip: 'not resourceFamily Compute' };
  if (cat.usageType !== 'OnDemand') return { skip: `usageType ${cat.usageType ?? '(none)'}` };
  const d = sku.description ?? '';
  let family: string | undefined;
  let res: string | undefined;
  const m = SKU_DESCRIPTION.exec(d);
  if (m) {
    family = m.groups!.family!.toLowerCase();
    res = m.groups!.res;
  } else {
    for (const [re, fam] of LEGACY) {
      const l = re.exec(d);
      if (l) {
        family = fam;
        res = l.groups!.res;
        break;
      }
    }
  }
  if (!family || !res) return { skip: 'not a predefined vCPU/RAM SKU' };
  return { family, resource: res === 'Core' ? 'cpu' : 'memory' };
}

function seconds(t: unknown): string | null {
  if (!t) return null;
  if (typeof t === 'string') return Number.isNaN(Date.parse(t)) ? null : new Date(t).toISOString();
  const s = (t as { seconds?: unknown }).seconds;
  if (s === undefined || s === null) return null;
  const n = Number(String(s));
  if (!Number.isFinite(n)) return null;
  return new Date(n * 1000).toISOString();
}

/** The SKU's prices, one per service region; throws on a price that cannot be read exactly. */
export function skuPrices(sku: Sku, serviceName: string): ListPrice[] | { skip: string } {
  const kind = classifySku(sku);
  if ('skip' in kind) return kind;
  const infos = sku.pricingInfo ?? [];
  if (!infos.length) return { skip: 'no pricingInfo' };
  // The catalog returns the current price; if it sends history, the latest wins.
  const info = [...infos].sort((a, b) => (seconds(a.effectiveTime) ?? '').localeCompare(seconds(b.effectiveTime) ?? '')).at(-1)!;
  const expr = info.pricingExpression;
  const wantUnit = kind.resource === 'cpu' ? 'h' : 'GiBy.h';
  if (expr?.usageUnit !== wantUnit) return { skip: `usage unit ${expr?.usageUnit ?? '(none)'}, expected ${wantUnit}` };
  const tiers = expr.tieredRates ?? [];
  if (tiers.length !== 1) return { skip: `${tiers.length} price tiers` };
  const unitPrice = tiers[0]!.unitPrice;
  if (!unitPrice?.currencyCode) throw new Error(`SKU ${sku.skuId}: no unitPrice.currencyCode`);
  let price: string;
  try {
    price = unitsNanos(unitPrice.units, unitPrice.nanos);
  } catch (e) {
    throw new Error(`SKU ${sku.skuId} (${sku.description}): ${(e as Error).message}`);
  }
  const regions = sku.serviceRegions ?? [];
  if (!regions.length) return { skip: 'no serviceRegions' };
  return regions.map((region: string) => ({
    provider: 'gcp' as const,
    service: serviceName,
    sku_id: sku.skuId ?? '',
    description: sku.description ?? '',
    region,
    machine_family: kind.family,
    resource: kind.resource,
    unit: kind.resource === 'cpu' ? ('core-hour' as const) : ('gib-hour' as const),
    price,
    currency: unitPrice.currencyCode!,
    effective_time: seconds(info.effectiveTime),
  }));
}

export function defaultCatalogClient(): CloudCatalogClient {
  return new CloudCatalogClient({ fallback: true });
}

function callOptions(r: CatalogRetry): CallOptions {
  return {
    autoPaginate: false,
    maxRetries: r.maxRetries,
    retry: {
      retryCodes: r.retryCodes,
      backoffSettings: {
        initialRetryDelayMillis: r.initialRetryDelayMillis,
        retryDelayMultiplier: r.retryDelayMultiplier,
        maxRetryDelayMillis: r.maxRetryDelayMillis,
      },
    },
  };
}

async function catalogCall<T>(step: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (isCredentialsError(e)) throw credentialsError('Cloud Billing Catalog', step, e);
    const msg = (e as Error)?.message ?? '';
    // The SDK decodes the JSON itself: a reply that is not the documented message surfaces as a decode error.
    if (e instanceof SyntaxError || /fromProto3JSON|is not valid JSON|Unexpected token|invalid encoding|cannot contain value|expected an? /.test(msg)) {
      throw new GcpResponseError(`Cloud Billing Catalog: ${step}: unexpected response (${msg.split('\n')[0]}); list prices were not changed`);
    }
    const failure = readFailure(e);
    throw new GcpApiError('Cloud Billing Catalog', step, failure, catalogHint(failure));
  }
}

/** Pages through a list call; `[items, nextRequest]` as the SDK returns with autoPaginate: false. */
async function listAll<Req extends { pageToken?: string | null }, Item>(
  what: string,
  first: Req,
  page: (req: Req) => Promise<[Item[], Req | null | undefined, unknown]>,
): Promise<Item[]> {
  const out: Item[] = [];
  let req: Req | null | undefined = first;
  const seen = new Set<string>();
  for (let n = 1; req; n++) {
    const current: Req = req;
    const [items, next] = await catalogCall(`listing ${what} (page ${n})`, () => page(current));
    if (!Array.isArray(items)) throw new GcpResponseError(`Cloud Billing Catalog: listing ${what}: page ${n} has no list; list prices were not changed`);
    out.push(...items);
    const token = next?.pageToken ?? '';
    if (!token) break;
    if (seen.has(token)) throw new GcpResponseError(`Cloud Billing Catalog: listing ${what}: page token ${JSON.stringify(token)} came twice; list prices were not changed`);
    seen.add(token);
    req = next;
  }
  return out;
}

/**
 * Fetches Compute Engine's on-demand vCPU and RAM prices and replaces the
 * provider 'gcp' rows of `list_prices` with them. Nothing changes if the
 * fetch fails or yields no price.
 */
export async function fetchGcpPrices(store: Store, opts: GcpPriceOptions = {}): Promise<GcpPriceResult> {
  const client = opts.client ?? defaultCatalogClient();
  const retry = { ...DEFAULT_CATALOG_RETRY, ...opts.retry };
  const call = callOptions(retry);
  const currency = opts.currency ?? 'USD';
  const pageSize = opts.pageSize ?? 5000;
  try {
    const services = await listAll<{ pageSize: number; pageToken?: string | null }, Service>('services', { pageSize }, (req) =>
      client.listServices(req, call as never) as never,
    );
    const matches = services.filter((s) => s.displayName === COMPUTE_ENGINE_NAME);
    const service = matches.find((s) => s.name === COMPUTE_ENGINE_SERVICE) ?? matches[0];
    if (!service?.name) {
      throw new GcpResponseError(
        `Cloud Billing Catalog: no service named "${COMPUTE_ENGINE_NAME}" among ${services.length} services (expected ${COMPUTE_ENGINE_SERVICE}); list prices were not changed`,
      );
    }
    const serviceName = service.displayName ?? COMPUTE_ENGINE_NAME;
    const skus = await listAll<{ parent: string; currencyCode: string; pageSize: number; pageToken?: string | null }, Sku>(
      `the SKUs of ${service.name}`,
      { parent: service.name, currencyCode: currency, pageSize },
      (req) => client.listSkus(req, call as never) as never,
    );

    const byKey = new Map<string, ListPrice>();
    let used = 0;
    let duplicates = 0;
    for (const sku of skus) {
      let prices: ListPrice[] | { skip: string };
      try {
        prices = skuPrices(sku, serviceName);
      } catch (e) {
        throw new GcpResponseError(`Cloud Billing Catalog: ${(e as Error).message}; list prices were not changed`);
      }
      if (!Array.isArray(prices)) continue;
      used += 1;
      for (const p of prices) {
        const key = `${p.region}\u0000${p.machine_family}\u0000${p.resource}\u0000${p.currency}`;
        const had = byKey.get(key);
        if (had) {
          duplicates += 1;
          const newer = (p.effective_time ?? '') > (had.effective_time ?? '') || ((p.effective_time ?? '') === (had.effective_time ?? '') && p.sku_id < had.sku_id);
          if (!newer) continue;
        }
        byKey.set(key, p);
      }
    }
    const rows = [...byKey.values()].sort((a, b) =>
      a.machine_family.localeCompare(b.machine_family) || a.region.localeCompare(b.region) || a.resource.localeCompare(b.resource),
    );
    if (!rows.length) {
      throw new GcpResponseError(
        `Cloud Billing Catalog: none of the ${skus.length} SKUs of ${service.name} is an on-demand vCPU or RAM price in ${currency}; list prices were not changed`,
      );
    }

    const fetchedAt = (opts.now?.() ?? new Date()).toISOString();
    const replaced = await store.transaction(async () => {
      const removed = await store.all(sql('prices-clear'));
      await store.run(sql('prices-insert'), [JSON.stringify(rows), fetchedAt]);
      return removed.length;
    });
    return {
      service: service.name,
      serviceName,
      currency,
      skusRead: skus.length,
      skusUsed: used,
      rows: rows.length,
      replaced,
      families: [...new Set(rows.map((r) => r.machine_family))].sort(),
      regions: new Set(rows.map((r) => r.region)).size,
      duplicates,
      fetchedAt,
    };
  } finally {
    if (!opts.client) await client.close().catch(() => undefined);
  }
}
