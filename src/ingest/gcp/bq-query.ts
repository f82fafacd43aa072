import { randomUUID } from 'node:crypto';
import { BigQuery } from '@google-cloud/bigquery';
import { GcpApiError, GcpResponseError, credentialsError, isCredentialsError, readFailure, type GoogleFailure } from './errors.ts';
import type { SchemaField } from './export-sql.ts';

/**
 * BigQuery REST calls through the SDK's authenticated, retrying transport
 * (`bq.request`: ADC, BIGQUERY_EMULATOR_HOST, `retryOptions`, 429/5xx and
 * rateLimitExceeded retried with the same requestId). Responses are checked
 * before the SDK decodes them: its own query helpers crash the process on
 * some malformed replies (a `jobs.query` answer without `jobReference`, an
 * empty page body), so Allot drives `jobs.query` / `getQueryResults` itself
 * and pages by hand.
 */

export type Hint = (f: GoogleFailure) => string | undefined;

export interface QueryOptions {
  sql: string;
  /** Named STRING parameters (`@name`). */
  params: Record<string, string>;
  location?: string;
  /** Rows per page (maxResults). */
  pageSize: number;
  /** Pause between polls of a job that is not complete (the server already waits up to `waitMs`). */
  pollIntervalMs: number;
  /** Give up on a job that has not completed after this long. */
  maxWaitMs: number;
  hint: Hint;
}

type Json = Record<string, unknown>;

/** One call; errors become GcpApiError with what the server said and the hint. */
export function call(bq: BigQuery, step: string, reqOpts: Json, hint: Hint): Promise<unknown> {
  return new Promise((resolve, reject) => {
    try {
      bq.request(reqOpts as never, (err, body) => {
        if (!err) return resolve(body);
        if (isCredentialsError(err)) return reject(credentialsError('BigQuery', step, err));
        const failure = readFailure(err, body);
        reject(new GcpApiError('BigQuery', step, failure, hint(failure)));
      });
    } catch (e) {
      reject(isCredentialsError(e) ? credentialsError('BigQuery', step, e) : e);
    }
  });
}

function malformed(step: string, why: string, body: unknown): GcpResponseError {
  let shown: string;
  if (body === undefined || body === null) shown = 'an empty body';
  else if (typeof body === 'string') shown = body.trim() ? JSON.stringify(body.slice(0, 120)) : 'an empty body';
  else shown = JSON.stringify(body)?.slice(0, 160) ?? String(body);
  return new GcpResponseError(`BigQuery: ${step}: unexpected response (${why}): ${shown}; nothing was imported`);
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkFields(fields: unknown): fields is SchemaField[] {
  return Array.isArray(fields) && fields.every((f) => isObject(f) && typeof f.name === 'string' && typeof f.type === 'string' && (f.fields === undefined || checkFields(f.fields)));
}

interface Page {
  jobId: string;
  location: string | undefined;
  complete: boolean;
  schema?: SchemaField[];
  rows: Json[];
  pageToken?: string;
}

function readPage(step: string, body: unknown, knownJob?: string): Page {
  if (!isObject(body)) throw malformed(step, 'not a JSON object', body);
  const ref = body.jobReference;
  const jobId = isObject(ref) && typeof ref.jobId === 'string' ? ref.jobId : knownJob;
  if (!jobId) throw malformed(step, 'no jobReference.jobId', body);
  const location = isObject(ref) && typeof ref.location === 'string' ? ref.location : undefined;
  if (typeof body.jobComplete !== 'boolean') throw malformed(step, 'no jobComplete', body);
  if (!body.jobComplete) return { jobId, location, complete: false, rows: [] };
  const schema = isObject(body.schema) ? body.schema.fields : undefined;
  if (!checkFields(schema)) throw malformed(step, 'no schema.fields', body);
  const rows = body.rows ?? [];
  if (!Array.isArray(rows)) throw malformed(step, 'rows is not a list', body);
  rows.forEach((r, i) => {
    if (!isObject(r) || !Array.isArray(r.f) || r.f.length !== schema.length || !r.f.every((c) => isObject(c) && 'v' in c)) {
      throw malformed(step, `row ${i + 1} of the page is not {f:[{v}…]} with ${schema.length} cells`, r);
    }
  });
  if (body.pageToken !== undefined && typeof body.pageToken !== 'string') throw malformed(step, 'pageToken is not a string', body);
  let decoded: Json[];
  try {
    decoded = BigQuery.mergeSchemaWithRows_({ fields: schema }, rows as never, {
      wrapIntegers: false,
      parseJSON: false,
      listParams: { 'formatOptions.useInt64Timestamp': true },
    }) as Json[];
  } catch (e) {
    throw malformed(step, `cannot decode rows: ${(e as Error).message}`, rows[0]);
  }
  return { jobId, location, complete: true, schema, rows: decoded, pageToken: body.pageToken || undefined };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs a query (jobs.query, then jobs.getQueryResults until no pageToken,
 * polling while `jobComplete` is false) and yields its rows page by page,
 * decoded by the SDK (NUMERIC → Big, TIMESTAMP → BigQueryTimestamp,
 * REPEATED RECORD → arrays of objects). The first page yielded also carries
 * the result schema.
 */
export async function* runQuery(bq: BigQuery, q: QueryOptions): AsyncGenerator<{ rows: Json[]; schema: SchemaField[] }> {
  const started = Date.now();
  const waitMs = Math.max(1, Math.min(10_000, q.maxWaitMs));
  const first = await call(
    bq,
    'starting the query (jobs.query)',
    {
      method: 'POST',
      uri: '/queries',
      json: {
        query: q.sql,
        useLegacySql: false,
        parameterMode: 'NAMED',
        queryParameters: Object.entries(q.params).map(([name, value]) => ({ name, parameterType: { type: 'STRING' }, parameterValue: { value } })),
        ...(q.location ? { location: q.location } : {}),
        maxResults: q.pageSize,
        timeoutMs: waitMs,
        formatOptions: { useInt64Timestamp: true },
        // The SDK retries this POST on 5xx with the same body: BigQuery runs a requestId once.
        requestId: randomUUID(),
      },
    },
    q.hint,
  );
  let page = readPage('starting the query (jobs.query)', first);
  const jobId = page.jobId;
  const location = page.location ?? q.location;
  let pages = 0;
  const seen = new Set<string>();
  for (;;) {
    if (page.complete) {
      yield { rows: page.rows, schema: page.schema! };
      pages += 1;
      if (!page.pageToken) return;
      if (seen.has(page.pageToken)) throw malformed('reading results', `page token ${JSON.stringify(page.pageToken)} came twice`, page.pageToken);
      seen.add(page.pageToken);
    } else {
      if (Date.now() - started > q.maxWaitMs) {
        throw new GcpResponseError(`BigQuery: job ${jobId} did not complete within ${Math.round(q.maxWaitMs / 1000)} s; nothing was imported`);
      }
      if (q.pollIntervalMs > 0) await sleep(q.pollIntervalMs);
    }
    const step = page.complete ? `reading results page ${pages + 1} (jobs.getQueryResults)` : 'waiting for the query (jobs.getQueryResults)';
    const body = await call(
      bq,
      step,
      {
        uri: `/queries/${encodeURIComponent(jobId)}`,
        qs: {
          ...(location ? { location } : {}),
          maxResults: q.pageSize,
          timeoutMs: waitMs,
          'formatOptions.useInt64Timestamp': true,
          ...(page.complete && page.pageToken ? { pageToken: page.pageToken } : {}),
        },
      },
      q.hint,
    );
    const next = readPage(step, body, jobId);
    if (page.complete && !next.complete) throw malformed(step, 'jobComplete is false on a later page', body);
    page = next;
  }
}

/** tables.get: the table's schema and location. */
export async function getTable(
  bq: BigQuery,
  t: { project: string; dataset: string; table: string },
  hint: Hint,
): Promise<{ fields: SchemaField[]; location: string | undefined; type: string | undefined }> {
  const step = `reading the schema of ${t.project}.${t.dataset}.${t.table} (tables.get)`;
  const body = await call(
    bq,
    step,
    { uri: `/datasets/${encodeURIComponent(t.dataset)}/tables/${encodeURIComponent(t.table)}`, projectId: t.project },
    hint,
  );
  if (!isObject(body)) throw malformed(step, 'not a JSON object', body);
  const fields = isObject(body.schema) ? body.schema.fields : undefined;
  if (!checkFields(fields)) throw malformed(step, 'no schema.fields', body);
  return {
    fields,
    location: typeof body.location === 'string' ? body.location : undefined,
    type: typeof body.type === 'string' ? body.type : undefined,
  };
}
