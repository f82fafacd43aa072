/**
 * A local AWS Cost Explorer for tests: a `node:http` server on 127.0.0.1 that
 * speaks AWS JSON 1.1 like ce.us-east-1.amazonaws.com (shared/wire-testing.md §1),
 * so the real `@aws-sdk/client-cost-explorer` talks to it.
 *
 * It serves `GetDimensionValues` (LINKED_ACCOUNT) and `GetCostAndUsage` (DAILY or
 * MONTHLY, Filter on LINKED_ACCOUNT/SERVICE dimensions and Tags incl. ABSENT,
 * GroupBy DIMENSION and TAG keys, NextPageToken paging) from a small data set,
 * records every request, and plays scripted faults (throttling, 5xx, bad bodies,
 * AccessDenied, RequestChanged...) before falling back to the data.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One day's cost of one (account, service, tags) combination. Amounts are decimal strings. */
export interface CeCost {
  account: string;
  /** YYYY-MM-DD */
  day: string;
  service: string;
  tags?: Record<string, string>;
  unblended: string;
  /** Defaults to `unblended`. */
  amortized?: string;
  unit?: string;
}

export interface CeData {
  accounts: { id: string; name?: string }[];
  costs: CeCost[];
  /** Days (YYYY-MM-DD) AWS marks `Estimated: true`. */
  estimatedDays?: string[];
  /** Groups per GetCostAndUsage page (default 1000). */
  pageSize?: number;
  /** Values per GetDimensionValues page (default 1000). */
  dimensionPageSize?: number;
}

export interface CeRequest {
  op: string;
  target: string;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body. */
  body: Record<string, unknown>;
}

/** What the server answers instead of the data: a JSON body or raw text, with a status. */
export interface CeReply {
  status?: number;
  body?: unknown;
  raw?: string;
  headers?: Record<string, string>;
}

export interface CeFault {
  /** `GetCostAndUsage`, `GetDimensionValues`, or any operation when omitted. */
  op?: string;
  /** Only requests for which this holds (default: all). */
  when?: (req: CeRequest) => boolean;
  /** How many matching requests get the reply (default 1; Infinity for a storm). */
  times?: number;
  reply: CeReply;
}

export interface CeServer {
  url: string;
  port: number;
  requests: CeRequest[];
  /** Requests of one operation. */
  count(op?: string): number;
  fault(f: CeFault): void;
  setData(data: CeData): void;
  close(): Promise<void>;
}

/** An AWS JSON 1.1 error reply, as the service sends it (HTTP 400 unless told). */
export function awsError(type: string, message: string, status = 400): CeReply {
  return { status, body: { __type: type, message } };
}

export async function startCostExplorerServer(data: CeData = { accounts: [], costs: [] }): Promise<CeServer> {
  let current = data;
  const requests: CeRequest[] = [];
  const faults: (CeFault & { left: number })[] = [];

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const send = (r: CeReply) => {
        const text = r.raw ?? JSON.stringify(r.body ?? {});
        res.writeHead(r.status ?? 200, {
          'content-type': 'application/x-amz-json-1.1',
          'x-amzn-requestid': `req-${requests.length}`,
          ...r.headers,
        });
        res.end(text);
      };
      const target = String(req.headers['x-amz-target'] ?? '');
      const op = target.replace(/^AWSInsightsIndexService\./, '');
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
      } catch {
        send(awsError('SerializationException', 'request body is not JSON'));
        return;
      }
      const request: CeRequest = { op, target, headers: req.headers, body };
      requests.push(request);
      if (req.method !== 'POST' || req.url !== '/' || !target.startsWith('AWSInsightsIndexService.')) {
        send(awsError('UnknownOperationException', `unexpected ${req.method} ${req.url} ${target}`));
        return;
      }
      if (!String(req.headers['content-type']).startsWith('application/x-amz-json-1.1')) {
        send(awsError('SerializationException', `content-type ${req.headers['content-type']}`));
        return;
      }
      if (!String(req.headers.authorization ?? '').startsWith('AWS4-HMAC-SHA256 Credential=')) {
        send(awsError('MissingAuthenticationTokenException', 'Missing Authentication Token'));
        return;
      }
      const fault = faults.find((f) => f.left > 0 && (f.op === undefined || f.op === op) && (f.when?.(request) ?? true));
      if (fault) {
        fault.left -= 1;
        send(fault.reply);
        return;
      }
      try {
        if (op === 'GetDimensionValues') send({ body: dimensionValues(current, body) });
        else if (op === 'GetCostAndUsage') send({ body: costAndUsage(current, body) });
        else send(awsError('UnknownOperationException', `operation ${op} is not served here`));
      } catch (e) {
        send(awsError((e as { type?: string }).type ?? 'ValidationException', (e as Error).message));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    count: (op) => requests.filter((r) => op === undefined || r.op === op).length,
    fault: (f) => faults.push({ ...f, left: f.times ?? 1 }),
    setData: (d) => {
      current = d;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((e) => (e ? reject(e) : resolve()));
      }),
  };
}

class ServiceError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

interface TimePeriod {
  Start: string;
  End: string;
}

function timePeriod(body: Record<string, unknown>): TimePeriod {
  const tp = body.TimePeriod as TimePeriod | undefined;
  const date = /^\d{4}-\d{2}-\d{2}$/;
  if (!tp || !date.test(tp.Start) || !date.test(tp.End) || tp.Start >= tp.End) {
    throw new ServiceError('ValidationException', `invalid TimePeriod ${JSON.stringify(tp)}`);
  }
  return tp;
}

function pageOffset(body: Record<string, unknown>): number {
  const token = body.NextPageToken as string | undefined;
  if (token === undefined) return 0;
  const m = /^page-(\d+)$/.exec(token);
  if (!m) throw new ServiceError('InvalidNextTokenException', 'Invalid next token');
  return Number(m[1]);
}

function dimensionValues(data: CeData, body: Record<string, unknown>): unknown {
  const tp = timePeriod(body);
  if (body.Dimension !== 'LINKED_ACCOUNT') throw new ServiceError('ValidationException', `dimension ${String(body.Dimension)} not served`);
  const active = new Set(data.costs.filter((c) => c.day >= tp.Start && c.day < tp.End).map((c) => c.account));
  const values = data.accounts.filter((a) => active.has(a.id));
  const from = pageOffset(body);
  const size = data.dimensionPageSize ?? 1000;
  const page = values.slice(from, from + size);
  return {
    DimensionValues: page.map((a) => ({ Value: a.id, Attributes: { description: a.name ?? a.id } })),
    ReturnSize: page.length,
    TotalSize: values.length,
    ...(from + size < values.length ? { NextPageToken: `page-${from + size}` } : {}),
  };
}

type Expr = {
  And?: Expr[];
  Or?: Expr[];
  Not?: Expr;
  Dimensions?: { Key: string; Values?: string[] };
  Tags?: { Key?: string; Values?: string[]; MatchOptions?: string[] };
};

function matches(c: CeCost, e: Expr | undefined): boolean {
  if (!e) return true;
  if (e.And) return e.And.every((x) => matches(c, x));
  if (e.Or) return e.Or.some((x) => matches(c, x));
  if (e.Not) return !matches(c, e.Not);
  if (e.Dimensions) {
    const v = e.Dimensions.Key === 'LINKED_ACCOUNT' ? c.account : e.Dimensions.Key === 'SERVICE' ? c.service : undefined;
    if (v === undefined) throw new ServiceError('ValidationException', `dimension ${e.Dimensions.Key} not served`);
    return (e.Dimensions.Values ?? []).includes(v);
  }
  if (e.Tags) {
    const value = c.tags?.[e.Tags.Key ?? ''];
    if (e.Tags.MatchOptions?.includes('ABSENT') || e.Tags.Values === undefined) return value === undefined;
    return value !== undefined && e.Tags.Values.includes(value);
  }
  throw new ServiceError('ValidationException', `unsupported filter ${JSON.stringify(e)}`);
}

/** Adds decimal strings exactly (what the service does with its own numbers). */
function addDecimal(a: string, b: string): string {
  const scale = Math.max(a.split('.')[1]?.length ?? 0, b.split('.')[1]?.length ?? 0);
  const toInt = (s: string) => {
    const neg = s.startsWith('-');
    const [i = '0', f = ''] = s.replace(/^[-+]/, '').split('.');
    const v = BigInt(i + f.padEnd(scale, '0'));
    return neg ? -v : v;
  };
  const sum = toInt(a) + toInt(b);
  const neg = sum < 0n;
  const digits = (neg ? -sum : sum).toString().padStart(scale + 1, '0');
  const out = scale ? `${digits.slice(0, -scale)}.${digits.slice(-scale)}` : digits;
  return neg ? `-${out}` : out;
}

function nextDay(day: string): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

function costAndUsage(data: CeData, body: Record<string, unknown>): unknown {
  const tp = timePeriod(body);
  if (body.Granularity !== 'DAILY' && body.Granularity !== 'MONTHLY') throw new ServiceError('ValidationException', `granularity ${String(body.Granularity)}`);
  const metrics = body.Metrics as string[] | undefined;
  if (!metrics?.length) throw new ServiceError('ValidationException', 'Metrics are required');
  const groupBy = (body.GroupBy as { Type: string; Key: string }[] | undefined) ?? [];
  if (groupBy.length > 2) throw new ServiceError('ValidationException', 'You can only group by up to two dimensions/tags');
  const daily = body.Granularity === 'DAILY';

  const keyOf = (c: CeCost) =>
    groupBy.map((g) => {
      if (g.Type === 'TAG') return `${g.Key}$${c.tags?.[g.Key] ?? ''}`;
      if (g.Key === 'SERVICE') return c.service;
      if (g.Key === 'LINKED_ACCOUNT') return c.account;
      throw new ServiceError('ValidationException', `group by ${g.Key} not served`);
    });
  const metric = (c: CeCost, m: string) => (m === 'AmortizedCost' ? (c.amortized ?? c.unblended) : c.unblended);

  // Buckets: one per day (DAILY) or one for the range (MONTHLY), each with its groups in order.
  const buckets: { start: string; end: string; groups: Map<string, { keys: string[]; metrics: Record<string, { Amount: string; Unit: string }> }> }[] = [];
  if (daily) for (let d = tp.Start; d < tp.End; d = nextDay(d)) buckets.push({ start: d, end: nextDay(d), groups: new Map() });
  else buckets.push({ start: tp.Start, end: tp.End, groups: new Map() });
  const filter = body.Filter as Expr | undefined;
  for (const c of data.costs) {
    if (c.day < tp.Start || c.day >= tp.End || !matches(c, filter)) continue;
    const bucket = daily ? buckets.find((b) => b.start === c.day)! : buckets[0]!;
    const keys = keyOf(c);
    const id = JSON.stringify(keys);
    const g = bucket.groups.get(id);
    if (!g) {
      bucket.groups.set(id, { keys, metrics: Object.fromEntries(metrics.map((m) => [m, { Amount: metric(c, m), Unit: c.unit ?? 'USD' }])) });
    } else {
      for (const m of metrics) g.metrics[m]!.Amount = addDecimal(g.metrics[m]!.Amount, metric(c, m));
    }
  }

  // Pages cut the flat (bucket, group) list; a bucket with no groups shows on the first page.
  const flat = buckets.flatMap((b, bi) => [...b.groups.values()].map((g) => ({ bi, g })));
  const from = pageOffset(body);
  const size = data.pageSize ?? 1000;
  const slice = flat.slice(from, from + size);
  const estimated = new Set(data.estimatedDays ?? []);
  const results = buckets
    .map((b, bi) => ({ b, bi, groups: slice.filter((x) => x.bi === bi).map((x) => x.g) }))
    .filter((x) => x.groups.length > 0 || (from === 0 && x.b.groups.size === 0))
    .map(({ b, groups }) => ({
      TimePeriod: { Start: b.start, End: b.end },
      Total: groupBy.length ? {} : totalOf(data, b, metrics),
      Groups: groupBy.length ? groups.map((g) => ({ Keys: g.keys, Metrics: g.metrics })) : [],
      Estimated: estimated.has(b.start),
    }));
  return {
    GroupDefinitions: groupBy.map((g) => ({ Type: g.Type, Key: g.Key })),
    ResultsByTime: results,
    DimensionValueAttributes: [],
    ...(from + size < flat.length ? { NextPageToken: `page-${from + size}` } : {}),
  };
}

function totalOf(_data: CeData, b: { groups: Map<string, { metrics: Record<string, { Amount: string; Unit: string }> }> }, metrics: string[]) {
  const out: Record<string, { Amount: string; Unit: string }> = {};
  for (const m of metrics) {
    let sum = '0';
    for (const g of b.groups.values()) sum = addDecimal(sum, g.metrics[m]!.Amount);
    out[m] = { Amount: sum, Unit: 'USD' };
  }
  return out;
}
