import { CloudCatalogClient } from '@google-cloud/billing';
import { PassThroughClient } from 'google-auth-library';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GcpApiError, GcpResponseError, classifySku, fetchGcpPrices } from '../../src/ingest/gcp/index.ts';
import type { Store } from '../../src/store/db.ts';
import { tempStore } from '../allocate/fixture.ts';
import {
  COMPUTE_ENGINE,
  googleError,
  sku,
  startCatalogServer,
  type CatalogServer,
  type CatalogServerOptions,
  type CatalogService,
  type CatalogSku,
} from '../servers/cloud-catalog.ts';

process.env.METADATA_SERVER_DETECTION = 'none';
process.env.GCE_METADATA_HOST = '127.0.0.1:9';

const CE = COMPUTE_ENGINE.serviceId;
const OTHER_SERVICES: CatalogService[] = [
  { name: 'services/24E6-581D-38E5', serviceId: '24E6-581D-38E5', displayName: 'BigQuery' },
  { name: 'services/95FF-2EF5-5EA1', serviceId: '95FF-2EF5-5EA1', displayName: 'Cloud Storage' },
  { name: 'services/CCD8-9BF1-090E', serviceId: 'CCD8-9BF1-090E', displayName: 'Kubernetes Engine' },
];
const AMERICAS = ['us-central1', 'us-east1'];

/** A slice of the real catalog: the SKUs Allot wants, and the look-alikes it must skip. */
const SKUS: CatalogSku[] = [
  sku('CF4E-A0C7-E3BF', 'N2 Instance Core running in Americas', { regions: AMERICAS, units: '0', nanos: 31611000, resourceGroup: 'N2Standard' }),
  sku('F449-33EC-A5EF', 'N2 Instance Ram running in Americas', { regions: AMERICAS, units: '0', nanos: 4237000, resourceGroup: 'N2Standard' }),
  sku('9FE0-8F60-A9F0', 'N2 Instance Core running in Belgium', { regions: ['europe-west1'], units: '0', nanos: 34773000 }),
  sku('A1B2-0000-0001', 'E2 Instance Core running in Americas', { regions: ['us-central1'], units: '0', nanos: 21811590 }),
  sku('A1B2-0000-0002', 'E2 Instance Ram running in Americas', { regions: ['us-central1'], units: '0', nanos: 2923530 }),
  sku('A1B2-0000-0003', 'N1 Predefined Instance Core running in Americas', { regions: ['us-central1'], units: '0', nanos: 31611000, resourceGroup: 'N1Standard' }),
  sku('A1B2-0000-0004', 'N2D AMD Instance Core running in Americas', { regions: ['us-central1'], units: '0', nanos: 27502000 }),
  sku('A1B2-0000-0005', 'M3 Memory-optimized Instance Ram running in Americas', { regions: ['us-central1'], units: '0', nanos: 6404000 }),
  sku('A1B2-0000-0006', 'Compute optimized Core running in Americas', { regions: ['us-central1'], units: '0', nanos: 33982000 }),
  sku('A1B2-0000-0007', 'M2 Memory-optimized Instance Core running in Americas', { regions: ['us-central1'], units: '12', nanos: 500000000 }),
  // Not on-demand vCPU/RAM: skipped.
  sku('B000-0000-0001', 'N2 Custom Instance Core running in Americas', { regions: AMERICAS, nanos: 33174000 }),
  sku('B000-0000-0002', 'Spot Preemptible N2 Instance Core running in Americas', { regions: AMERICAS, nanos: 7000000, usageType: 'Preemptible' }),
  sku('B000-0000-0003', 'Commitment v1: N2 Cpu in Americas for 1 Year', { regions: AMERICAS, nanos: 19915000, usageType: 'Commit1Yr' }),
  sku('B000-0000-0004', 'N2 Sole Tenancy Instance Core running in Americas', { regions: AMERICAS, nanos: 34773000 }),
  sku('B000-0000-0005', 'Nvidia Tesla T4 GPU running in Americas', { regions: AMERICAS, units: '0', nanos: 350000000, resourceGroup: 'GPU' }),
  sku('B000-0000-0006', 'Storage PD Capacity', { regions: AMERICAS, nanos: 40000000, resourceFamily: 'Storage', usageUnit: 'GiBy.mo' }),
  sku('B000-0000-0007', 'N2 Instance Ram running in Americas (monthly)', { regions: AMERICAS, nanos: 1, usageUnit: 'GiBy.mo' }),
];

let store: Store;
let server: CatalogServer | undefined;
beforeEach(async () => {
  store = await tempStore();
});
afterEach(async () => {
  store.close();
  await server?.close();
  server = undefined;
});

async function serve(more: Partial<CatalogServerOptions> = {}): Promise<CatalogServer> {
  server = await startCatalogServer({ services: [...OTHER_SERVICES, COMPUTE_ENGINE], skus: { [CE]: SKUS }, ...more });
  return server;
}

function client(s: CatalogServer): CloudCatalogClient {
  return new CloudCatalogClient({ fallback: true, protocol: 'http', apiEndpoint: '127.0.0.1', port: s.port, authClient: new PassThroughClient() } as never);
}

const FAST = { maxRetries: 3, initialRetryDelayMillis: 1, retryDelayMultiplier: 1, maxRetryDelayMillis: 2 };
const fetchPrices = (s: CatalogServer, extra: Partial<Parameters<typeof fetchGcpPrices>[1]> = {}) =>
  fetchGcpPrices(store, { client: client(s), retry: FAST, pageSize: 2, now: () => new Date('2025-11-02T08:00:00Z'), ...extra });

const stored = () =>
  store.all<Record<string, unknown>>(
    `SELECT provider, service, sku_id, region, machine_family, resource, unit, price::VARCHAR AS price, currency,
            effective_time::VARCHAR AS effective_time, fetched_at::VARCHAR AS fetched_at
     FROM list_prices ORDER BY machine_family, region, resource`,
  );

describe('allot prices gcp', () => {
  it('finds Compute Engine, pages through its SKUs and stores exact on-demand vCPU/RAM prices per region and family', async () => {
    const s = await serve();
    const r = await fetchPrices(s);
    expect(r).toEqual({
      service: 'services/6F81-5844-456A', serviceName: 'Compute Engine', currency: 'USD', skusRead: SKUS.length, skusUsed: 10,
      rows: 12, replaced: 0, families: ['c2', 'e2', 'm2', 'm3', 'n1', 'n2', 'n2d'], regions: 3, duplicates: 0, fetchedAt: '2025-11-02T08:00:00.000Z',
    });
    const rows = await stored();
    expect(rows).toHaveLength(12);
    expect(rows.filter((x) => x.machine_family === 'n2')).toEqual([
      { provider: 'gcp', service: 'Compute Engine', sku_id: '9FE0-8F60-A9F0', region: 'europe-west1', machine_family: 'n2', resource: 'cpu', unit: 'core-hour', price: '0.034773000000', currency: 'USD', effective_time: '2025-01-01 00:00:00', fetched_at: '2025-11-02 08:00:00' },
      { provider: 'gcp', service: 'Compute Engine', sku_id: 'CF4E-A0C7-E3BF', region: 'us-central1', machine_family: 'n2', resource: 'cpu', unit: 'core-hour', price: '0.031611000000', currency: 'USD', effective_time: '2025-01-01 00:00:00', fetched_at: '2025-11-02 08:00:00' },
      { provider: 'gcp', service: 'Compute Engine', sku_id: 'F449-33EC-A5EF', region: 'us-central1', machine_family: 'n2', resource: 'memory', unit: 'gib-hour', price: '0.004237000000', currency: 'USD', effective_time: '2025-01-01 00:00:00', fetched_at: '2025-11-02 08:00:00' },
      { provider: 'gcp', service: 'Compute Engine', sku_id: 'CF4E-A0C7-E3BF', region: 'us-east1', machine_family: 'n2', resource: 'cpu', unit: 'core-hour', price: '0.031611000000', currency: 'USD', effective_time: '2025-01-01 00:00:00', fetched_at: '2025-11-02 08:00:00' },
      { provider: 'gcp', service: 'Compute Engine', sku_id: 'F449-33EC-A5EF', region: 'us-east1', machine_family: 'n2', resource: 'memory', unit: 'gib-hour', price: '0.004237000000', currency: 'USD', effective_time: '2025-01-01 00:00:00', fetched_at: '2025-11-02 08:00:00' },
    ]);
    expect(rows.filter((x) => x.machine_family !== 'n2').map((x) => `${x.machine_family} ${x.resource} ${x.price}`)).toEqual([
      'c2 cpu 0.033982000000',
      'e2 cpu 0.021811590000',
      'e2 memory 0.002923530000',
      'm2 cpu 12.500000000000',
      'm3 memory 0.006404000000',
      'n1 cpu 0.031611000000',
      'n2d cpu 0.027502000000',
    ]);
    // Services: 4 of them at 2 a page; SKUs: 17 at 2 a page; currency asked for; no auth header.
    const paths = s.requests.map((q) => `${q.path}${q.query.pageToken ? ` @${q.query.pageToken}` : ''}`);
    expect(paths.slice(0, 3)).toEqual(['/v1/services', '/v1/services @2', '/v1/services/6F81-5844-456A/skus']);
    expect(paths.filter((p) => p.includes('/skus'))).toHaveLength(9);
    expect(s.requests.filter((q) => q.path.endsWith('/skus')).every((q) => q.query.currencyCode === 'USD' && q.query.pageSize === '2')).toBe(true);
    expect(s.requests.every((q) => q.headers.authorization === undefined)).toBe(true);
  });

  it('a second fetch replaces the provider\'s rows in one go', async () => {
    const s = await serve();
    await fetchPrices(s);
    await store.run(`INSERT INTO list_prices VALUES ('aws', 'EC2', 'x', 'x', 'us-east-1', 'm5', 'cpu', 'core-hour', 0.04, 'USD', NULL, now()::TIMESTAMP)`);
    const again = await fetchPrices(s, { now: () => new Date('2025-12-01T00:00:00Z') });
    expect(again).toMatchObject({ rows: 12, replaced: 12 });
    expect(await store.all(`SELECT provider, count(*)::VARCHAR AS n, max(fetched_at)::VARCHAR AS f FROM list_prices GROUP BY ALL ORDER BY ALL`)).toEqual([
      { provider: 'aws', n: '1', f: expect.any(String) },
      { provider: 'gcp', n: '12', f: '2025-12-01 00:00:00' },
    ]);
  });

  it('retries 429 and 503 on a page, then succeeds', async () => {
    const s = await serve({
      fail: [
        { path: '/skus', reply: googleError(429, 'RESOURCE_EXHAUSTED', 'Quota exceeded for quota metric \'Read requests\'') },
        { path: '/skus', reply: googleError(503, 'UNAVAILABLE', 'The service is currently unavailable.') },
      ],
    });
    const r = await fetchPrices(s);
    expect(r.rows).toBe(12);
    const first = s.requests.filter((q) => q.path.endsWith('/skus') && !q.query.pageToken);
    expect(first).toHaveLength(3);
  });

  it('gives up on a 5xx storm with a clear error and leaves the stored prices alone', async () => {
    const s = await serve();
    await fetchPrices(s);
    await s.close();
    const storm = await serve({ intercept: (q) => (q.query.pageToken === '4' && q.path.endsWith('/skus') ? googleError(503, 'UNAVAILABLE', 'The service is currently unavailable.') : undefined) });
    const err = await fetchPrices(storm).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GcpApiError);
    expect((err as Error).message).toBe(
      'Cloud Billing Catalog: listing the SKUs of services/6F81-5844-456A (page 3) failed: HTTP 503 UNAVAILABLE: The service is currently unavailable. ' +
        '(gave up after retrying) — the Cloud Billing Catalog is unavailable or throttling; list prices were not changed, try again later',
    );
    expect(storm.requests.filter((q) => q.query.pageToken === '4')).toHaveLength(3);
    expect(await stored()).toHaveLength(12);
    expect(await store.one(`SELECT min(fetched_at)::VARCHAR AS f FROM list_prices`)).toEqual({ f: '2025-11-02 08:00:00' });
  });

  it('a 403 passes on what the server says, with Allot\'s hint, and is not retried', async () => {
    const message = "Permission 'billing.services.list' denied on resource (or it may not exist).";
    const s = await serve({
      fail: [{ path: '/v1/services', reply: googleError(403, 'PERMISSION_DENIED', message, { details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'IAM_PERMISSION_DENIED', domain: 'cloudbilling.googleapis.com' }] }) }],
    });
    const err = (await fetchPrices(s).catch((e: unknown) => e)) as GcpApiError;
    expect(err).toBeInstanceOf(GcpApiError);
    expect(err.message).toBe(
      `Cloud Billing Catalog: listing services (page 1) failed: HTTP 403 PERMISSION_DENIED: ${message} — the Cloud Billing Catalog is public but is called through a project: ` +
        "enable the Cloud Billing API (cloudbilling.googleapis.com) in the credentials' quota project and grant serviceusage.services.use there (roles/serviceusage.serviceUsageConsumer)",
    );
    expect(s.requests).toHaveLength(1);
    expect(await stored()).toEqual([]);
  });

  const malformed: [string, Partial<CatalogServerOptions>, RegExp][] = [
    ['HTML instead of JSON', { intercept: (q) => (q.path.endsWith('/skus') ? { status: 200, body: '<html>Sign in</html>' } : undefined) },
      /^Cloud Billing Catalog: listing the SKUs of services\/6F81-5844-456A \(page 1\): unexpected response \(.*not valid JSON.*\); list prices were not changed$/],
    ['skus is not a list', { intercept: (q) => (q.path.endsWith('/skus') ? { status: 200, body: { skus: { a: 1 } } } : undefined) },
      /^Cloud Billing Catalog: listing the SKUs of services\/6F81-5844-456A \(page 1\): unexpected response \(fromProto3JSONToInternalRepresentation: expected an array for field skus\)/],
    ['nanos out of range', { skus: { [CE]: [sku('BAD-1', 'N2 Instance Core running in Americas', { nanos: 2_000_000_000 })] } },
      /^Cloud Billing Catalog: SKU BAD-1 \(N2 Instance Core running in Americas\): nanos is not an integer in ±999,999,999: 2000000000; list prices were not changed$/],
    ['the same page token twice', { intercept: (q) => (q.path.endsWith('/skus') ? { status: 200, body: { skus: [], nextPageToken: 'again' } } : undefined) },
      /page token "again" came twice/],
    ['no Compute Engine', { services: OTHER_SERVICES },
      /^Cloud Billing Catalog: no service named "Compute Engine" among 3 services \(expected services\/6F81-5844-456A\); list prices were not changed$/],
    ['no usable SKU', { skus: { [CE]: SKUS.slice(10) } },
      /^Cloud Billing Catalog: none of the 7 SKUs of services\/6F81-5844-456A is an on-demand vCPU or RAM price in USD; list prices were not changed$/],
  ];
  it.each(malformed)('refuses %s and changes nothing', async (_name, opts, message) => {
    const s = await serve(opts);
    const err = await fetchPrices(s).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GcpResponseError);
    expect((err as Error).message).toMatch(message);
    expect(await stored()).toEqual([]);
  });

  it('finds Compute Engine by name when its id is not the usual one', async () => {
    const moved = { ...COMPUTE_ENGINE, name: 'services/NEW-ID', serviceId: 'NEW-ID' };
    const s = await serve({ services: [...OTHER_SERVICES, moved], skus: { 'NEW-ID': SKUS } });
    expect(await fetchPrices(s)).toMatchObject({ service: 'services/NEW-ID', rows: 12 });
  });

  it('a region listed by two SKUs of one family keeps the latest effective price', async () => {
    const s = await serve({
      skus: {
        [CE]: [
          sku('OLD', 'N2 Instance Core running in Americas', { regions: ['us-central1'], nanos: 31611000, effectiveTime: '2024-01-01T00:00:00Z' }),
          sku('NEW', 'N2 Instance Core running in Iowa', { regions: ['us-central1'], nanos: 30000000, effectiveTime: '2025-06-01T00:00:00Z' }),
        ],
      },
    });
    expect(await fetchPrices(s)).toMatchObject({ rows: 1, duplicates: 1 });
    expect(await stored()).toMatchObject([{ sku_id: 'NEW', price: '0.030000000000', effective_time: '2025-06-01 00:00:00' }]);
  });

  it('classifies SKU descriptions', () => {
    const c = (description: string, usageType = 'OnDemand') => classifySku({ description, category: { resourceFamily: 'Compute', usageType } });
    expect(c('N2 Instance Core running in Americas')).toEqual({ family: 'n2', resource: 'cpu' });
    expect(c('C3D Instance Ram running in Frankfurt')).toEqual({ family: 'c3d', resource: 'memory' });
    expect(c('T2A Arm Instance Core running in Americas')).toEqual({ family: 't2a', resource: 'cpu' });
    expect(c('Memory-optimized Instance Ram running in EMEA')).toEqual({ family: 'm1', resource: 'memory' });
    expect(c('N2 Custom Extended Instance Ram running in Americas')).toEqual({ skip: 'not a predefined vCPU/RAM SKU' });
    expect(c('Preemptible N1 Predefined Instance Core running in Americas', 'Preemptible')).toEqual({ skip: 'usageType Preemptible' });
  });
});
