import { readFileSync } from 'node:fs';
import { ConfiguredRetryStrategy } from '@smithy/core/retry';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { attribute } from '../../src/allocate/run.ts';
import type { LoadedConfig } from '../../src/config/load.ts';
import {
  cePeriod,
  CostExplorerError,
  plainDecimal,
  pullCostExplorer,
  type PullCostExplorerOptions,
} from '../../src/ingest/aws-ce/index.ts';
import type { Store } from '../../src/store/db.ts';
import { AllotError, UsageError } from '../../src/util/errors.ts';
import { config, rows, tempStore } from '../allocate/fixture.ts';
import { awsError, startCostExplorerServer, type CeData, type CeServer } from '../servers/aws-ce.ts';

const fixture = (name: string) => new URL(`../fixtures/aws-ce/${name}`, import.meta.url);
const MONTH: CeData = JSON.parse(readFileSync(fixture('month-2025-01.json'), 'utf8')) as CeData;
const DOCUMENTED: unknown = JSON.parse(readFileSync(fixture('documented-example.json'), 'utf8'));
const UNBLENDED_TOTAL = '1406.8613469126';
const AMORTIZED_TOTAL = '1371.0434567893';

const CFG: LoadedConfig = config(`
team_tag_keys: [team, owner]
teams:
  - id: payments
    name: Payments
    cost_center: CC-1001
    gl_account: "6100"
  - id: search
    name: Search
    cost_center: CC-1002
    gl_account: "6200"
`);

let servers: CeServer[] = [];
let stores: Store[] = [];

beforeAll(() => {
  // Never probe instance metadata for credentials or region.
  process.env.AWS_EC2_METADATA_DISABLED = 'true';
});

afterEach(async () => {
  for (const s of servers) await s.close();
  for (const s of stores) s.close();
  servers = [];
  stores = [];
});

async function server(data: CeData = MONTH): Promise<CeServer> {
  const s = await startCostExplorerServer(structuredClone(data));
  servers.push(s);
  return s;
}

async function store(): Promise<Store> {
  const s = await tempStore();
  stores.push(s);
  return s;
}

/** A pull through the real SDK against the local server; retries back off 1 ms. */
function pull(st: Store, srv: CeServer, opts: Partial<PullCostExplorerOptions> = {}, cfg: LoadedConfig = CFG) {
  return pullCostExplorer(st, cfg, {
    period: '2025-01',
    now: () => new Date('2025-03-15T12:00:00Z'),
    clientOptions: {
      endpoint: srv.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test-secret' },
      retryStrategy: new ConfiguredRetryStrategy(4, 1),
    },
    ...opts,
  });
}

async function counts(st: Store): Promise<{ line_items: string; imports: string }> {
  return (await st.one<{ line_items: string; imports: string }>(
    'SELECT (SELECT count(*) FROM line_items) AS line_items, (SELECT count(*) FROM imports) AS imports',
  ))!;
}

async function currentTotals(st: Store): Promise<{ billed: string; effective: string; list: string; n: string }> {
  return (await st.one<{ billed: string; effective: string; list: string; n: string }>(
    `SELECT sum(billed_cost)::DECIMAL(38,10)::VARCHAR AS billed, sum(effective_cost)::DECIMAL(38,10)::VARCHAR AS effective,
            sum(list_cost)::DECIMAL(38,10)::VARCHAR AS list, count(*) AS n
     FROM line_items WHERE superseded_by IS NULL`,
  ))!;
}

/** The error a pull fails with (the test fails if it succeeds). */
async function failure(p: Promise<unknown>): Promise<CostExplorerError> {
  const outcome = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(outcome, 'the pull should have failed').toBeInstanceOf(Error);
  return outcome as CostExplorerError;
}

const costBodies = (srv: CeServer) => srv.requests.filter((r) => r.op === 'GetCostAndUsage').map((r) => r.body);

describe('allot ingest aws-ce: a month through the real SDK and a local Cost Explorer', () => {
  it('follows NextPageToken for accounts and costs, counts the requests, and imports one FOCUS row per account/day/service/tag', async () => {
    const srv = await server({ ...MONTH, pageSize: 2, dimensionPageSize: 1 });
    const st = await store();
    const r = await pull(st, srv);

    // 2 pages of linked accounts, 3 + 3 pages of cost (5 groups per account, 2 per page).
    expect(srv.count('GetDimensionValues')).toBe(2);
    expect(srv.count('GetCostAndUsage')).toBe(6);
    expect(r.requests).toBe(8);
    expect(r.httpRequests).toBe(8);
    expect(r.requestCostUsd).toBe('0.08');
    expect(costBodies(srv).map((b) => b.NextPageToken ?? null)).toEqual([null, 'page-2', 'page-4', null, 'page-2', 'page-4']);

    // The wire: JSON 1.1, signed for ce in us-east-1, the documented request shape.
    const first = srv.requests.find((q) => q.op === 'GetCostAndUsage')!;
    expect(first.target).toBe('AWSInsightsIndexService.GetCostAndUsage');
    expect(first.headers['content-type']).toBe('application/x-amz-json-1.1');
    expect(first.headers.authorization).toMatch(/Credential=AKIDTEST\/\d{8}\/us-east-1\/ce\/aws4_request/);
    expect(first.body).toEqual({
      TimePeriod: { Start: '2025-01-01', End: '2025-02-01' },
      Granularity: 'DAILY',
      Metrics: ['AmortizedCost', 'UnblendedCost'],
      Filter: { Dimensions: { Key: 'LINKED_ACCOUNT', Values: ['111111111111'] } },
      GroupBy: [{ Type: 'DIMENSION', Key: 'SERVICE' }, { Type: 'TAG', Key: 'team' }],
    });
    expect(srv.requests[0]!.body).toEqual({ TimePeriod: { Start: '2025-01-01', End: '2025-02-01' }, Dimension: 'LINKED_ACCOUNT', Context: 'COST_AND_USAGE' });

    expect(r).toMatchObject({
      status: 'active', source: 'aws-ce', file: 'aws-ce:aws-ce:2025-01', period: '2025-01', billingAccount: 'aws-ce',
      accounts: 2, rowsRead: 10, rowsLoaded: 10, tagKeys: ['team'], replaced: [], partial: false, remainderRows: 0,
    });
    expect(await currentTotals(st)).toEqual({ billed: UNBLENDED_TOTAL, effective: AMORTIZED_TOTAL, list: UNBLENDED_TOTAL, n: '10' });

    const imp = await st.one(`SELECT source, file, format, content_sha256, status, rows_read, rows_loaded, coverage::VARCHAR AS coverage FROM imports`);
    expect(imp).toEqual({
      source: 'aws-ce', file: 'aws-ce:aws-ce:2025-01', format: 'api', content_sha256: null, status: 'active', rows_read: '10', rows_loaded: '10',
      coverage: '[{"billing_account_id":"aws-ce","billing_period_start":"2025-01-01T00:00:00Z","rows":10}]',
    });

    const ec2 = await st.one(
      `SELECT billing_account_id, sub_account_id, sub_account_name, service_name, provider_name, charge_category, billing_currency,
              billed_cost::VARCHAR AS billed, effective_cost::VARCHAR AS effective, list_cost::VARCHAR AS list,
              strftime(charge_period_start, '%Y-%m-%d %H:%M') AS cps, strftime(charge_period_end, '%Y-%m-%d %H:%M') AS cpe,
              strftime(billing_period_start, '%Y-%m-%d') AS bps, strftime(billing_period_end, '%Y-%m-%d') AS bpe,
              period, tags::JSON::VARCHAR AS tags, extra
       FROM line_items WHERE billed_cost = 1234.5678901234`,
    );
    expect(ec2).toEqual({
      billing_account_id: 'aws-ce', sub_account_id: '111111111111', sub_account_name: 'prod',
      service_name: 'Amazon Elastic Compute Cloud - Compute', provider_name: 'AWS', charge_category: 'Usage', billing_currency: 'USD',
      billed: '1234.567890123400', effective: '1200.000000000100', list: '1234.567890123400',
      cps: '2025-01-01 00:00', cpe: '2025-01-02 00:00', bps: '2025-01-01', bpe: '2025-02-01', period: '2025-01',
      tags: '{"team":"payments"}', extra: null,
    });
    // source_line is a running row number, so lineage names "row N of the pull".
    const lines = await st.all<{ source_line: string }>('SELECT source_line FROM line_items ORDER BY source_line');
    expect(lines.map((l) => Number(l.source_line))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('stores amounts exactly as AWS wrote them (no binary floats anywhere)', async () => {
    const day = (d: string, unblended: string, amortized = unblended) =>
      ({ account: '111111111111', day: d, service: 'Amazon EC2', tags: { team: 'payments' }, unblended, amortized });
    const srv = await server({
      accounts: [{ id: '111111111111' }],
      costs: [
        day('2025-01-01', '1234.5678901234'),
        day('2025-01-02', '98765432109876.5432109876', '98765432109876.5432109877'),
        day('2025-01-03', '0.1000000000'),
        day('2025-01-04', '0.2000000000'),
      ],
    });
    const st = await store();
    await pull(st, srv);
    const got = await st.all<{ billed: string; effective: string }>(
      `SELECT billed_cost::DECIMAL(38,10)::VARCHAR AS billed, effective_cost::DECIMAL(38,10)::VARCHAR AS effective FROM line_items ORDER BY charge_period_start`,
    );
    expect(got.map((g) => g.billed)).toEqual(['1234.5678901234', '98765432109876.5432109876', '0.1000000000', '0.2000000000']);
    expect(got[1]!.effective).toBe('98765432109876.5432109877');
    expect(await currentTotals(st)).toMatchObject({ billed: '98765432111111.4111011110' });
  });

  it('keeps untagged groups as rows without the tag, Tax as charge category Tax, and marks estimated days', async () => {
    const st = await store();
    const r = await pull(st, await server());
    const untagged = await st.all<{ service_name: string; billed: string; tags: string; charge_category: string }>(
      `SELECT service_name, billed_cost::DECIMAL(38,10)::VARCHAR AS billed, tags::JSON::VARCHAR AS tags, charge_category
       FROM line_items WHERE NOT map_contains(tags, 'team') ORDER BY billed_cost`,
    );
    expect(untagged).toEqual([
      { service_name: 'Amazon Elastic Compute Cloud - Compute', billed: '-5.0000000000', tags: '{}', charge_category: 'Usage' },
      { service_name: 'AWS Lambda', billed: '3.3300000000', tags: '{}', charge_category: 'Usage' },
      { service_name: 'Amazon Elastic Compute Cloud - Compute', billed: '10.0000000000', tags: '{}', charge_category: 'Usage' },
      { service_name: 'Tax', billed: '12.3400000000', tags: '{}', charge_category: 'Tax' },
    ]);
    const estimated = await st.all<{ day: string; extra: string }>(
      `SELECT strftime(charge_period_start, '%Y-%m-%d') AS day, extra::VARCHAR AS extra FROM line_items WHERE extra IS NOT NULL ORDER BY day`,
    );
    expect(estimated).toEqual([
      { day: '2025-01-30', extra: '{"x_Estimated":"true"}' },
      { day: '2025-01-31', extra: '{"x_Estimated":"true"}' },
    ]);
    expect(r.estimatedDays).toBe(2);
    expect(r.estimatedRows).toBe(2);
    expect(r.warnings).toContain('2 days are estimated by AWS and may change');
  });

  it('retries throttling (ThrottlingException, LimitExceededException) and then imports everything once', async () => {
    const srv = await server();
    srv.fault({ op: 'GetDimensionValues', reply: awsError('LimitExceededException', 'You have exceeded the rate limit') });
    srv.fault({ op: 'GetCostAndUsage', times: 2, reply: awsError('ThrottlingException', 'Rate exceeded') });
    const st = await store();
    const r = await pull(st, srv);
    expect(r.requests).toBe(3);
    expect(r.httpRequests).toBe(6);
    expect(srv.count()).toBe(6);
    expect(await currentTotals(st)).toMatchObject({ billed: UNBLENDED_TOTAL, n: '10' });
  });

  it('gives up on a 5xx storm after the retries with one clear line, and writes nothing', async () => {
    const srv = await server();
    const st = await store();
    const firstPull = await pull(st, srv);
    const before = await counts(st);

    srv.fault({
      op: 'GetCostAndUsage',
      times: Infinity,
      when: (q) => JSON.stringify(q.body.Filter).includes('222222222222'),
      reply: awsError('InternalFailure', 'An internal error occurred', 500),
    });
    const err = await failure(pull(st, srv));
    expect(err).toBeInstanceOf(CostExplorerError);
    expect(err).toBeInstanceOf(AllotError);
    const msg = (err as Error).message;
    expect(msg).toBe(
      'Cost Explorer GetCostAndUsage (account 222222222222) failed after 4 attempts: HTTP 500 InternalFailure: An internal error occurred; nothing was imported (2 API requests made)',
    );
    expect(msg).not.toContain('\n');
    expect((err as CostExplorerError).code).toBe('InternalFailure');
    expect(await counts(st)).toEqual(before);
    expect((await st.one<{ status: string }>('SELECT status FROM imports WHERE import_id = $1', [firstPull.importId]))!.status).toBe('active');
    expect(await currentTotals(st)).toMatchObject({ billed: UNBLENDED_TOTAL, n: '10' });
  });

  it('refuses a malformed body (not JSON, or not Cost Explorer\'s shape) and writes nothing', async () => {
    const st = await store();
    const srv = await server();
    srv.fault({ op: 'GetCostAndUsage', reply: { raw: '{"ResultsByTime": [{"TimePeriod": ' } });
    const notJson = await failure(pull(st, srv));
    expect(notJson).toBeInstanceOf(CostExplorerError);
    expect(notJson.message).toMatch(/^Cost Explorer GetCostAndUsage \(account 111111111111\): malformed response from AWS \(HTTP 200\): .*JSON.*; nothing was imported \(1 API request made\)$/);

    const srv2 = await server();
    srv2.fault({
      op: 'GetCostAndUsage',
      reply: {
        body: {
          GroupDefinitions: [{ Type: 'DIMENSION', Key: 'SERVICE' }, { Type: 'TAG', Key: 'team' }],
          ResultsByTime: [{
            TimePeriod: { Start: '2025-01-01', End: '2025-01-02' }, Total: {}, Estimated: false,
            Groups: [{ Keys: ['Amazon EC2', 'team$payments'], Metrics: { AmortizedCost: { Amount: 12.5, Unit: 'USD' }, UnblendedCost: { Amount: '12.5', Unit: 'USD' } } }],
          }],
        },
      },
    });
    const badShape = await failure(pull(st, srv2));
    expect(badShape.message).toBe(
      'Cost Explorer GetCostAndUsage (account 111111111111): malformed response from AWS: ResultsByTime[0].Groups[0].Metrics.AmortizedCost.Amount is 12.5, not a decimal; nothing was imported (2 API requests made)',
    );
    expect(await counts(st)).toEqual({ line_items: '0', imports: '0' });
  });

  it('names the missing IAM permission on AccessDeniedException, without retrying', async () => {
    const srv = await server();
    srv.fault({
      op: 'GetCostAndUsage',
      reply: awsError('AccessDeniedException', 'User: arn:aws:iam::111111111111:user/allot is not authorized to perform: ce:GetCostAndUsage on resource: arn:aws:ce:us-east-1:111111111111:/GetCostAndUsage'),
    });
    const st = await store();
    const err = await failure(pull(st, srv));
    expect(err).toBeInstanceOf(CostExplorerError);
    expect(err.code).toBe('AccessDeniedException');
    expect(err.message).toMatch(/^Cost Explorer GetCostAndUsage \(account 111111111111\) was refused: AccessDeniedException: User: .* is not authorized to perform: ce:GetCostAndUsage .*: the caller needs IAM permission ce:GetCostAndUsage \(Allot uses ce:GetDimensionValues and ce:GetCostAndUsage\); nothing was imported \(1 API request made\)$/);
    expect(srv.count('GetCostAndUsage')).toBe(1);
    expect(await counts(st)).toEqual({ line_items: '0', imports: '0' });
  });

  it('starts an account over from the first page on RequestChangedException, without double counting', async () => {
    const srv = await server({ ...MONTH, pageSize: 2 });
    srv.fault({
      op: 'GetCostAndUsage',
      when: (q) => q.body.NextPageToken === 'page-2' && JSON.stringify(q.body.Filter).includes('111111111111'),
      reply: awsError('RequestChangedException', 'The data changed while you were paging'),
    });
    const st = await store();
    const r = await pull(st, srv);
    expect(r.restarts).toBe(1);
    const acct1 = srv.requests.filter((q) => q.op === 'GetCostAndUsage' && JSON.stringify(q.body.Filter).includes('111111111111'));
    expect(acct1.map((q) => q.body.NextPageToken ?? null)).toEqual([null, 'page-2', null, 'page-2', 'page-4']);
    expect(await currentTotals(st)).toMatchObject({ billed: UNBLENDED_TOTAL, effective: AMORTIZED_TOTAL, n: '10' });
  });

  it('gives up when the data keeps changing', async () => {
    const srv = await server({ ...MONTH, pageSize: 2 });
    srv.fault({ op: 'GetCostAndUsage', times: Infinity, when: (q) => q.body.NextPageToken !== undefined, reply: awsError('RequestChangedException', 'changed') });
    const st = await store();
    const err = await failure(pull(st, srv, { maxRestarts: 2 }));
    expect(err.message).toMatch(/^Cost Explorer GetCostAndUsage \(account 111111111111, data kept changing during paging, gave up after 3 tries\) failed: HTTP 400 RequestChangedException: changed; nothing was imported \(4 API requests made\)$/);
    expect(srv.count('GetCostAndUsage')).toBe(6);
    expect(await counts(st)).toEqual({ line_items: '0', imports: '0' });
  });

  it('records an empty period as an import of 0 rows and says so', async () => {
    const srv = await server({ accounts: [{ id: '111111111111' }], costs: [] });
    const st = await store();
    const r = await pull(st, srv);
    expect(r).toMatchObject({ status: 'active', rowsLoaded: 0, accounts: 0, requests: 1 });
    expect(r.warnings).toContain('Cost Explorer returned no cost for 2025-01; earlier pulls of this period (if any) were left as they were');
    const imp = await st.one<{ rows_loaded: string; status: string; note: string }>('SELECT rows_loaded, status, note FROM imports');
    expect(imp).toMatchObject({ rows_loaded: '0', status: 'active' });
    expect(imp!.note).toContain('no cost returned');
  });

  it('a second pull of the same period replaces the first: current rows sum to one pull', async () => {
    const srv = await server();
    const st = await store();
    const a = await pull(st, srv);
    // AWS revised the estimated days in between.
    srv.setData({ ...structuredClone(MONTH), costs: MONTH.costs.map((c) => (c.day === '2025-01-31' ? { ...c, unblended: '2.0000000000' } : c)) });
    const b = await pull(st, srv);
    expect(b.replaced).toEqual([a.importId + 1]); // the delivery of the first pull
    expect(await currentTotals(st)).toEqual({ billed: '1407.8613469126', effective: '1372.0434567893', list: '1407.8613469126', n: '10' });
    const imports = await st.all<{ import_id: number; status: string; superseded_by: number | null }>(
      'SELECT import_id, status, superseded_by FROM imports ORDER BY import_id',
    );
    expect(imports).toEqual([
      { import_id: a.importId, status: 'superseded', superseded_by: b.importId + 1 }, // the second pull's delivery
      { import_id: b.importId, status: 'active', superseded_by: null },
    ]);
    expect((await counts(st)).line_items).toBe('20');
    // Another billing account's pull of the same month stands beside it.
    await pull(st, srv, { billingAccount: '999999999999' });
    expect((await currentTotals(st)).n).toBe('20');
  });

  it('pulls the current month up to today and refuses a month that has not started', async () => {
    const srv = await server();
    const st = await store();
    const r = await pull(st, srv, { now: () => new Date('2025-01-10T08:00:00Z') });
    expect(r.timePeriod).toEqual({ start: '2025-01-01', end: '2025-01-11' });
    expect(r.partial).toBe(true);
    expect(costBodies(srv)[0]!.TimePeriod).toEqual({ Start: '2025-01-01', End: '2025-01-11' });
    expect(r.rowsLoaded).toBe(8);
    expect(r.warnings.some((w) => w.includes('current month'))).toBe(true);

    await expect(pull(st, srv, { period: '2025-02', now: () => new Date('2025-01-31T23:59:00Z') })).rejects.toThrow(UsageError);
    await expect(pull(st, srv, { period: '2025-1' })).rejects.toThrow('--period must be YYYY-MM, got "2025-1"');
    expect(cePeriod('2024-12', new Date('2025-01-01T00:00:00Z'))).toEqual({
      period: '2024-12', start: '2024-12-01', end: '2025-01-01', monthEnd: '2025-01-01', partial: false,
    });
  });

  it('reads AWS\'s documented response shape (Total {} when grouped, "Environment$" untagged)', async () => {
    const srv = await server({ accounts: [{ id: '123456789012', name: 'docs' }], costs: [{ account: '123456789012', day: '2025-01-05', service: 'x', unblended: '1' }] });
    srv.fault({ op: 'GetCostAndUsage', reply: { body: DOCUMENTED } });
    const st = await store();
    const cfg = config(`
team_tag_keys: [Environment]
teams: [{ id: dev, name: Dev, cost_center: CC-1, gl_account: "1" }]
`);
    await pull(st, srv, {}, cfg);
    expect(costBodies(srv)[0]!.GroupBy).toEqual([{ Type: 'DIMENSION', Key: 'SERVICE' }, { Type: 'TAG', Key: 'Environment' }]);
    expect(await st.all(`SELECT service_name, billed_cost::DECIMAL(38,10)::VARCHAR AS billed, tags::JSON::VARCHAR AS tags,
                                strftime(charge_period_start, '%Y-%m-%d') AS day
                         FROM line_items ORDER BY billed_cost`)).toEqual([
      { service_name: 'Amazon Simple Storage Service', billed: '0.2682364644', tags: '{"Environment":"Dev"}', day: '2025-01-05' },
      { service_name: 'Amazon Simple Storage Service', billed: '40.3543773134', tags: '{}', day: '2025-01-05' },
    ]);
  });

  it('uses the SDK\'s standard configuration: AWS_ENDPOINT_URL_COST_EXPLORER and env credentials', async () => {
    const srv = await server();
    const keys = ['AWS_ENDPOINT_URL_COST_EXPLORER', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_REGION', 'AWS_PROFILE'] as const;
    const saved = Object.fromEntries(keys.map((k) => [k, process.env[k]]));
    try {
      process.env.AWS_ENDPOINT_URL_COST_EXPLORER = srv.url;
      process.env.AWS_ACCESS_KEY_ID = 'AKIDFROMENV';
      process.env.AWS_SECRET_ACCESS_KEY = 'env-secret';
      delete process.env.AWS_REGION;
      delete process.env.AWS_PROFILE;
      const st = await store();
      const r = await pullCostExplorer(st, CFG, {
        period: '2025-01',
        now: () => new Date('2025-03-15T12:00:00Z'),
        clientOptions: { retryStrategy: new ConfiguredRetryStrategy(2, 1) },
      });
      expect(r.rowsLoaded).toBe(10);
      expect(srv.requests[0]!.headers.authorization).toMatch(/Credential=AKIDFROMENV\/\d{8}\/us-east-1\/ce\/aws4_request/);
    } finally {
      for (const k of keys) {
        if (saved[k] === undefined) delete process.env[k];
        else process.env[k] = saved[k];
      }
    }
  });

  it('flows into attribution: the team owning the tag value gets its exact cost', async () => {
    const st = await store();
    await pull(st, await server());
    const run = await attribute(st, CFG, '2025-01');
    const out = await rows(st, run.runId);
    // EffectiveCost (amortised): 1200.0000000001 + 99.25 + 0.0000000001 + 1 on EC2, 50 on RDS.
    expect(out['payments/direct/Amazon Elastic Compute Cloud - Compute/USD']).toBe('1300.25');
    expect(out['payments/direct/Amazon Relational Database Service/USD']).toBe('50.00');
    expect(out['search/direct/Amazon Simple Storage Service/USD']).toBe('0.12');
    // Only the first tag key was pulled: the Lambda cost tagged owner=search has no owner.
    expect(out['unallocated/unallocated/AWS Lambda/USD']).toBe('3.33');
    expect(run.totals).toEqual([expect.objectContaining({ currency: 'USD', bill_exact: '1371.043456789300', ok: true })]);
  });

  it('with tagKeys "all" pulls each team tag key in turn for the cost the earlier keys left untagged', async () => {
    const srv = await server();
    const st = await store();
    const r = await pull(st, srv, { tagKeys: 'all' });
    expect(r.tagKeys).toEqual(['team', 'owner']);
    // Both accounts have cost without a team tag: one more query each.
    expect(srv.count('GetCostAndUsage')).toBe(4);
    const second = costBodies(srv)[1]!;
    expect(second.Filter).toEqual({
      And: [{ Dimensions: { Key: 'LINKED_ACCOUNT', Values: ['111111111111'] } }, { Tags: { Key: 'team', MatchOptions: ['ABSENT'] } }],
    });
    expect(second.GroupBy).toEqual([{ Type: 'DIMENSION', Key: 'SERVICE' }, { Type: 'TAG', Key: 'owner' }]);
    expect(r.remainderRows).toBe(0);
    expect(await currentTotals(st)).toEqual({ billed: UNBLENDED_TOTAL, effective: AMORTIZED_TOTAL, list: UNBLENDED_TOTAL, n: '10' });
    expect(await st.one(`SELECT tags::JSON::VARCHAR AS tags FROM line_items WHERE service_name = 'AWS Lambda'`)).toEqual({ tags: '{"owner":"search"}' });

    const run = await attribute(st, CFG, '2025-01');
    expect((await rows(st, run.runId))['search/direct/AWS Lambda/USD']).toBe('3.33');
  });

  it('with tagKeys "all" keeps the total exact when the next key\'s query disagrees (a remainder row)', async () => {
    const srv = await server();
    // AWS answers the owner query for account 111 with less than the team-untagged cost it reported.
    srv.fault({
      op: 'GetCostAndUsage',
      when: (q) => JSON.stringify(q.body.Filter).includes('ABSENT') && JSON.stringify(q.body.Filter).includes('111111111111'),
      reply: {
        body: {
          GroupDefinitions: [{ Type: 'DIMENSION', Key: 'SERVICE' }, { Type: 'TAG', Key: 'owner' }],
          ResultsByTime: [{
            TimePeriod: { Start: '2025-01-01', End: '2025-01-02' }, Total: {}, Estimated: false,
            Groups: [{ Keys: ['Amazon Elastic Compute Cloud - Compute', 'owner$search'], Metrics: {
              AmortizedCost: { Amount: '7.2500000000', Unit: 'USD' }, UnblendedCost: { Amount: '7.2500000000', Unit: 'USD' } } }],
          }],
        },
      },
    });
    const st = await store();
    const r = await pull(st, srv, { tagKeys: 'all' });
    expect(await currentTotals(st)).toMatchObject({ billed: UNBLENDED_TOTAL, effective: AMORTIZED_TOTAL });
    const rem = await st.all(`SELECT service_name, billed_cost::DECIMAL(38,10)::VARCHAR AS billed, tags::JSON::VARCHAR AS tags, extra->>'x_TagRemainder' AS why
                              FROM line_items WHERE extra->>'x_TagRemainder' IS NOT NULL ORDER BY service_name`);
    expect(rem).toEqual([
      { service_name: 'Amazon Elastic Compute Cloud - Compute', billed: '2.7500000000', tags: '{}', why: 'cost without tag team that the owner query did not return' },
      { service_name: 'Tax', billed: '12.3400000000', tags: '{}', why: 'cost without tag team that the owner query did not return' },
    ]);
    expect(r.remainderRows).toBe(2);
    expect(r.warnings.some((w) => w.includes('x_TagRemainder'))).toBe(true);
  });
});

describe('plainDecimal', () => {
  it('keeps amounts digit for digit and shifts exponents without floats', () => {
    expect(plainDecimal('1234.5678901234')).toBe('1234.5678901234');
    expect(plainDecimal('-0.0000000001')).toBe('-0.0000000001');
    expect(plainDecimal('1.2E-7')).toBe('0.00000012');
    expect(plainDecimal('-3e2')).toBe('-300');
    expect(plainDecimal('0012.50')).toBe('12.50');
    expect(plainDecimal('123456789012345678901.1234567891')).toBe('123456789012345678901.1234567891');
    expect(plainDecimal('abc')).toBeUndefined();
    expect(plainDecimal('')).toBeUndefined();
    expect(plainDecimal(12.5)).toBeUndefined();
  });
});
