import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local BigQuery REST API (v2) with the shapes `@google-cloud/bigquery`
 * speaks (see shared/wire-testing.md §3). It runs no SQL: `result` decides the
 * rows of a query from its text and named parameters.
 *
 *   POST {prefix}/projects/{p}/queries                → jobs.query (the fast path)
 *   POST {prefix}/projects/{p}/jobs                   → jobs.insert (FAST_QUERY_PATH=DISABLED)
 *   GET  {prefix}/projects/{p}/queries/{jobId}        → jobs.getQueryResults (pageToken, maxResults)
 *   GET  {prefix}/projects/{p}/jobs/{jobId}           → jobs.get
 *   GET  {prefix}/projects/{p}/datasets/{d}/tables/{t} → tables.get (schema, location)
 *
 * `prefix` is `/bigquery/v2`, or nothing (how BIGQUERY_EMULATOR_HOST is used).
 * Errors are Google JSON errors `{error:{code,message,errors:[{reason,message}],status}}`.
 */

export interface Field {
  name: string;
  type: string;
  mode?: 'NULLABLE' | 'REQUIRED' | 'REPEATED';
  fields?: Field[];
}

export interface BqRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  body: Record<string, unknown> | undefined;
  headers: IncomingMessage['headers'];
}

export interface BqReply {
  status: number;
  body?: unknown;
}

export interface QueryResult {
  schema: Field[];
  /** Rows as plain objects keyed by field name (TIMESTAMP as ISO strings); encoded to `{f:[{v}]}`. */
  rows: Record<string, unknown>[];
  /** Raw rows sent as they are instead of `rows` (for malformed replies). */
  rawRows?: unknown[];
}

export interface BigQueryServerOptions {
  /** tables.get answers, keyed `project.dataset.table`. */
  tables?: Record<string, { schema: Field[]; location?: string }>;
  /** The rows a query returns; gets the SQL and the named parameters' values. */
  result?: (sql: string, params: Record<string, string>) => QueryResult;
  /** Rows per page when the client sends no maxResults. */
  pageSize?: number;
  /** How many times a job reports `jobComplete: false` before it completes. */
  incompletePolls?: number;
  /** Replies sent instead of the normal ones, first to last, to requests matching (substring of `method path`). */
  fail?: { match?: string; reply: BqReply; times?: number }[];
  intercept?: (req: BqRequest) => BqReply | undefined;
}

export interface BigQueryServer {
  port: number;
  url: string;
  requests: BqRequest[];
  close(): Promise<void>;
}

/** A Google JSON error as BigQuery sends it. */
export function bqError(code: number, reason: string, message: string): BqReply {
  const status = { 400: 'INVALID_ARGUMENT', 401: 'UNAUTHENTICATED', 403: 'PERMISSION_DENIED', 404: 'NOT_FOUND', 429: 'RESOURCE_EXHAUSTED', 500: 'INTERNAL', 503: 'UNAVAILABLE' }[code];
  return { status: code, body: { error: { code, message, errors: [{ message, domain: 'global', reason }], status } } };
}

interface Job {
  id: string;
  project: string;
  location: string;
  result: QueryResult;
  pollsLeft: number;
}

export async function startBigQueryServer(opts: BigQueryServerOptions): Promise<BigQueryServer> {
  const requests: BqRequest[] = [];
  const jobs = new Map<string, Job>();
  const fails = (opts.fail ?? []).map((f) => ({ ...f, left: f.times ?? 1 }));

  const send = (res: ServerResponse, reply: BqReply) => {
    const body = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body ?? {});
    res.writeHead(reply.status, { 'content-type': 'application/json; charset=UTF-8' });
    res.end(body);
  };

  const newJob = (project: string, body: Record<string, unknown>, config: Record<string, unknown>): Job | BqReply => {
    const sql = String(config.query ?? '');
    const params: Record<string, string> = {};
    for (const p of (config.queryParameters ?? []) as { name: string; parameterValue: { value: string } }[]) params[p.name] = p.parameterValue.value;
    if (config.useLegacySql !== false) return bqError(400, 'invalidQuery', 'test server: legacy SQL is not expected');
    const result = opts.result ? opts.result(sql, params) : { schema: [], rows: [] };
    const job: Job = {
      id: `job_${randomUUID().replaceAll('-', '')}`,
      project,
      location: String(body.location ?? config.location ?? 'US'),
      result,
      pollsLeft: opts.incompletePolls ?? 0,
    };
    jobs.set(job.id, job);
    return job;
  };

  /** A page of a job's results in the jobs.query / getQueryResults shape. */
  const pageOf = (job: Job, pageToken: string | undefined, maxResults: number | undefined): Record<string, unknown> => {
    const base = { kind: 'bigquery#getQueryResultsResponse', jobReference: { projectId: job.project, jobId: job.id, location: job.location } };
    if (job.pollsLeft > 0) {
      job.pollsLeft -= 1;
      return { ...base, jobComplete: false };
    }
    const all = job.result.rawRows ?? job.result.rows.map((r) => encodeRow(job.result.schema, r));
    const size = maxResults || opts.pageSize || 3;
    const start = Number(pageToken ?? '0');
    const rows = all.slice(start, start + size);
    const next = start + size < all.length ? String(start + size) : undefined;
    return {
      ...base,
      schema: { fields: job.result.schema },
      totalRows: String(all.length),
      ...(rows.length ? { rows } : {}),
      ...(next ? { pageToken: next } : {}),
      totalBytesProcessed: '1024',
      jobComplete: true,
      cacheHit: false,
    };
  };

  const handle = (r: BqRequest): BqReply => {
    const path = r.path.replace(/^\/bigquery\/v2/, '');
    let m: RegExpExecArray | null;
    if (r.method === 'POST' && (m = /^\/projects\/([^/]+)\/queries$/.exec(path))) {
      const body = r.body ?? {};
      const job = newJob(decodeURIComponent(m[1]!), body, body);
      if ('status' in job) return job;
      return { status: 200, body: { ...pageOf(job, undefined, Number(body.maxResults) || undefined), kind: 'bigquery#queryResponse' } };
    }
    if (r.method === 'POST' && (m = /^\/projects\/([^/]+)\/jobs$/.exec(path))) {
      const body = r.body ?? {};
      const config = ((body.configuration as Record<string, unknown>)?.query ?? {}) as Record<string, unknown>;
      const jobRef = (body.jobReference ?? {}) as Record<string, unknown>;
      const job = newJob(decodeURIComponent(m[1]!), { location: jobRef.location }, config);
      if ('status' in job) return job;
      return { status: 200, body: jobResource(job, jobRef.jobId as string | undefined) };
    }
    if (r.method === 'GET' && (m = /^\/projects\/([^/]+)\/queries\/([^/]+)$/.exec(path))) {
      const job = jobs.get(decodeURIComponent(m[2]!));
      if (!job) return bqError(404, 'notFound', `Not found: Job ${m[1]}:${m[2]}`);
      return { status: 200, body: pageOf(job, r.query.pageToken, Number(r.query.maxResults) || undefined) };
    }
    if (r.method === 'GET' && (m = /^\/projects\/([^/]+)\/jobs\/([^/]+)$/.exec(path))) {
      const job = jobs.get(decodeURIComponent(m[2]!));
      if (!job) return bqError(404, 'notFound', `Not found: Job ${m[1]}:${m[2]}`);
      return { status: 200, body: jobResource(job) };
    }
    if (r.method === 'GET' && (m = /^\/projects\/([^/]+)\/datasets\/([^/]+)\/tables\/([^/]+)$/.exec(path))) {
      const [p, d, t] = [m[1]!, m[2]!, m[3]!].map(decodeURIComponent);
      const table = opts.tables?.[`${p}.${d}.${t}`];
      if (!table) return bqError(404, 'notFound', `Not found: Table ${p}:${d}.${t}`);
      return {
        status: 200,
        body: {
          kind: 'bigquery#table',
          id: `${p}:${d}.${t}`,
          tableReference: { projectId: p, datasetId: d, tableId: t },
          schema: { fields: table.schema },
          location: table.location ?? 'US',
          type: 'TABLE',
        },
      };
    }
    return bqError(404, 'notFound', `test server: no route ${r.method} ${r.path}`);
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const text = Buffer.concat(chunks).toString('utf8');
      let body: Record<string, unknown> | undefined;
      try {
        body = text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
      } catch {
        return send(res, bqError(400, 'parseError', 'test server: request body is not JSON'));
      }
      const r: BqRequest = { method: req.method ?? 'GET', path: url.pathname, query: Object.fromEntries(url.searchParams), body, headers: req.headers };
      requests.push(r);
      const scripted = fails.find((f) => f.left > 0 && (!f.match || `${r.method} ${r.path}`.includes(f.match)));
      if (scripted) {
        scripted.left -= 1;
        return send(res, scripted.reply);
      }
      const intercepted = opts.intercept?.(r);
      if (intercepted) return send(res, intercepted);
      send(res, handle(r));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function jobResource(job: Job, requestedId?: string): Record<string, unknown> {
  return {
    kind: 'bigquery#job',
    id: `${job.project}:${job.location}.${requestedId ?? job.id}`,
    jobReference: { projectId: job.project, jobId: job.id, location: job.location },
    configuration: { jobType: 'QUERY', query: {} },
    status: { state: 'DONE' },
    statistics: {},
  };
}

/** A row in BigQuery's `{f:[{v}]}` form: RECORD `{v:{f:[…]}}`, REPEATED `{v:[{v:…}]}`, TIMESTAMP as int64 µs. */
export function encodeRow(schema: Field[], row: Record<string, unknown>): { f: { v: unknown }[] } {
  return { f: schema.map((field) => ({ v: encodeValue(field, row[field.name]) })) };
}

function encodeValue(field: Field, value: unknown): unknown {
  if (value === null || value === undefined) return field.mode === 'REPEATED' ? [] : null;
  if (field.mode === 'REPEATED') {
    return (value as unknown[]).map((v) => ({ v: encodeValue({ ...field, mode: 'NULLABLE' }, v) }));
  }
  if (field.type === 'RECORD' || field.type === 'STRUCT') return encodeRow(field.fields ?? [], value as Record<string, unknown>);
  if (field.type === 'TIMESTAMP') {
    if (typeof value === 'string' && /^\d{4}-/.test(value)) return String(BigInt(Date.parse(value)) * 1000n);
    return String(value);
  }
  return String(value);
}
