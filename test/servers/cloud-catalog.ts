import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local Cloud Billing Catalog API (v1) speaking the HTTP/JSON shapes the
 * `@google-cloud/billing` client uses with `fallback: true`:
 *
 *   GET /v1/services?pageSize=&pageToken=           → {services:[…], nextPageToken}
 *   GET /v1/services/{id}/skus?currencyCode=&pageToken= → {skus:[…], nextPageToken}
 *
 * Errors are Google JSON errors `{error:{code,message,status,details}}`.
 * Tests script failures with `fail` (consumed first to last) or `intercept`.
 */

export interface CatalogService {
  name: string;
  serviceId: string;
  displayName: string;
  businessEntityName?: string;
}

/** A SKU as the REST API sends it (units as a string, effectiveTime as RFC 3339). */
export interface CatalogSku {
  name: string;
  skuId: string;
  description: string;
  category: { serviceDisplayName: string; resourceFamily: string; resourceGroup: string; usageType: string };
  serviceRegions: string[];
  pricingInfo: {
    effectiveTime: string;
    summary?: string;
    pricingExpression: {
      usageUnit: string;
      usageUnitDescription?: string;
      baseUnit?: string;
      baseUnitConversionFactor?: number;
      displayQuantity?: number;
      tieredRates: { startUsageAmount: number; unitPrice: { currencyCode: string; units: string; nanos: number } }[];
    };
    currencyConversionRate?: number;
  }[];
  serviceProviderName?: string;
  geoTaxonomy?: { type: string; regions: string[] };
}

export interface CatalogRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: IncomingMessage['headers'];
}

/** A canned reply: status and body (an object is sent as JSON, a string as is). */
export interface CatalogReply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface CatalogServerOptions {
  services?: CatalogService[];
  /** SKUs per service id. */
  skus?: Record<string, CatalogSku[]>;
  /** Items per page when the client sends no pageSize (the real API pages at 5000). */
  pageSize?: number;
  /** Replies sent before the normal ones, first to last, to requests matching `path` (a substring). */
  fail?: { path?: string; reply: CatalogReply; times?: number }[];
  /** Called for every request; a reply returned here is sent instead of the normal one. */
  intercept?: (req: CatalogRequest) => CatalogReply | undefined;
}

export interface CatalogServer {
  port: number;
  requests: CatalogRequest[];
  close(): Promise<void>;
}

export function googleError(code: number, status: string, message: string, extra: Record<string, unknown> = {}): CatalogReply {
  return { status: code, body: { error: { code, message, status, ...extra } } };
}

export const COMPUTE_ENGINE: CatalogService = {
  name: 'services/6F81-5844-456A',
  serviceId: '6F81-5844-456A',
  displayName: 'Compute Engine',
  businessEntityName: 'businessEntities/GCP',
};

export async function startCatalogServer(opts: CatalogServerOptions): Promise<CatalogServer> {
  const requests: CatalogRequest[] = [];
  const fails = (opts.fail ?? []).map((f) => ({ ...f, left: f.times ?? 1 }));

  const send = (res: ServerResponse, reply: CatalogReply) => {
    const body = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body ?? {});
    res.writeHead(reply.status, { 'content-type': 'application/json; charset=UTF-8', ...reply.headers });
    res.end(body);
  };

  const page = <T>(items: T[], query: Record<string, string>): { items: T[]; next: string } => {
    const size = Number(query.pageSize) || opts.pageSize || 5000;
    const start = Number(query.pageToken || '0');
    const slice = items.slice(start, start + size);
    return { items: slice, next: start + size < items.length ? String(start + size) : '' };
  };

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const r: CatalogRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: req.headers,
    };
    requests.push(r);
    const scripted = fails.find((f) => f.left > 0 && (!f.path || r.path.includes(f.path)));
    if (scripted) {
      scripted.left -= 1;
      return send(res, scripted.reply);
    }
    const intercepted = opts.intercept?.(r);
    if (intercepted) return send(res, intercepted);

    if (r.method === 'GET' && r.path === '/v1/services') {
      const p = page(opts.services ?? [], r.query);
      return send(res, { status: 200, body: { services: p.items, nextPageToken: p.next } });
    }
    const m = /^\/v1\/services\/([^/]+)\/skus$/.exec(r.path);
    if (r.method === 'GET' && m) {
      const id = decodeURIComponent(m[1]!);
      const skus = opts.skus?.[id];
      if (!skus) return send(res, googleError(404, 'NOT_FOUND', `Service services/${id} not found.`));
      const p = page(skus, r.query);
      return send(res, { status: 200, body: { skus: p.items, nextPageToken: p.next } });
    }
    return send(res, googleError(404, 'NOT_FOUND', `no route ${r.method} ${r.path}`));
  };

  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => handle(req, res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A Compute Engine SKU in the catalog's shape; `price` is units.nanos as the API splits it. */
export function sku(
  id: string,
  description: string,
  opts: {
    resourceGroup?: string;
    usageType?: string;
    regions?: string[];
    units?: string;
    nanos?: number;
    usageUnit?: string;
    currency?: string;
    effectiveTime?: string;
    resourceFamily?: string;
  } = {},
): CatalogSku {
  const usageUnit = opts.usageUnit ?? (/\bRam\b/.test(description) ? 'GiBy.h' : 'h');
  return {
    name: `services/6F81-5844-456A/skus/${id}`,
    skuId: id,
    description,
    category: {
      serviceDisplayName: 'Compute Engine',
      resourceFamily: opts.resourceFamily ?? 'Compute',
      resourceGroup: opts.resourceGroup ?? (/\bRam\b/.test(description) ? 'RAM' : 'CPU'),
      usageType: opts.usageType ?? 'OnDemand',
    },
    serviceRegions: opts.regions ?? ['us-central1'],
    pricingInfo: [
      {
        effectiveTime: opts.effectiveTime ?? '2025-01-01T00:00:00Z',
        summary: '',
        pricingExpression: {
          usageUnit,
          usageUnitDescription: usageUnit === 'h' ? 'hour' : 'gibibyte hour',
          baseUnit: usageUnit === 'h' ? 's' : 'By.s',
          baseUnitConversionFactor: usageUnit === 'h' ? 3600 : 3865470566400,
          displayQuantity: 1,
          tieredRates: [{ startUsageAmount: 0, unitPrice: { currencyCode: opts.currency ?? 'USD', units: opts.units ?? '0', nanos: opts.nanos ?? 0 } }],
        },
        currencyConversionRate: 1,
      },
    ],
    serviceProviderName: 'Google',
    geoTaxonomy: { type: 'MULTI_REGIONAL', regions: opts.regions ?? ['us-central1'] },
  };
}
