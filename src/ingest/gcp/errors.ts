import { AllotError } from '../../util/errors.ts';

/** What a Google API said when a call failed, from any of the shapes the SDKs raise. */
export interface GoogleFailure {
  /** HTTP status (both SDKs report the HTTP status on the wire here). */
  status?: number;
  /** `errors[0].reason` (BigQuery) or `error.status` / ErrorInfo reason (Catalog). */
  reason?: string;
  message: string;
  /** True when the SDK retried and gave up. */
  retriesExhausted: boolean;
}

/** A Google API call that failed; the message names the call, what the server said and what to do. */
export class GcpApiError extends AllotError {
  constructor(
    readonly api: string,
    readonly step: string,
    readonly failure: GoogleFailure,
    readonly hint: string | undefined,
  ) {
    const status = failure.status ? `HTTP ${failure.status}${failure.reason ? ` ${failure.reason}` : ''}: ` : failure.reason ? `${failure.reason}: ` : '';
    super(`${api}: ${step} failed: ${status}${failure.message}${failure.retriesExhausted ? ' (gave up after retrying)' : ''}${hint ? ` — ${hint}` : ''}`);
  }
}

/** A response that is not what the API documents (HTML from a proxy, a missing field…). Nothing was written; trying again will not help. */
export class GcpResponseError extends AllotError {
  override readonly retryable = false;
}

const ADC_HINT =
  'Allot uses Application Default Credentials: run `gcloud auth application-default login`, ' +
  'set GOOGLE_APPLICATION_CREDENTIALS to a service account key file, or run with an attached service account';

function parseJson(text: unknown): unknown {
  if (typeof text !== 'string') return text;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** `{error:{code,message,status,errors:[{reason}],details:[{reason}]}}` → parts. */
function fromBody(body: unknown): Partial<GoogleFailure> | undefined {
  const b = parseJson(body) as { error?: unknown } | undefined;
  if (!b || typeof b !== 'object' || !b.error || typeof b.error !== 'object') return undefined;
  const e = b.error as { code?: unknown; message?: unknown; status?: unknown; errors?: { reason?: unknown }[]; details?: { reason?: unknown }[] };
  const reason =
    (Array.isArray(e.errors) && typeof e.errors[0]?.reason === 'string' ? e.errors[0].reason : undefined) ??
    (typeof e.status === 'string' ? e.status : undefined) ??
    (Array.isArray(e.details) ? (e.details.find((d) => typeof d?.reason === 'string')?.reason as string | undefined) : undefined);
  return {
    status: typeof e.code === 'number' ? e.code : undefined,
    reason,
    message: typeof e.message === 'string' ? e.message : undefined,
  };
}

function firstLine(s: string): string {
  const line = s.split('\n').map((l) => l.trim()).find(Boolean) ?? s;
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}

/**
 * Reads a failure from an ApiError (@google-cloud/common: `.code`, `.errors`,
 * body), a GaxiosError (`.code` = HTTP status, `.message` = the raw body), or a
 * gax GoogleError "Exceeded maximum number of retries retrying error …".
 */
export function readFailure(err: unknown, body?: unknown): GoogleFailure {
  const e = (err ?? {}) as { code?: unknown; message?: unknown; errors?: { reason?: unknown; message?: unknown }[]; response?: { data?: unknown; body?: unknown } };
  const raw = typeof e.message === 'string' ? e.message : String(err);
  let retriesExhausted = false;
  let inner: Partial<GoogleFailure> | undefined = fromBody(body) ?? fromBody(e.response?.data) ?? fromBody(e.response?.body) ?? fromBody(raw);
  const retried = /^(?:Exceeded maximum number of retries|Total timeout of API \S+ exceeded \d+ milliseconds) retrying error (?:\w*Error: )?([\s\S]*?) before any response was received/.exec(raw);
  if (retried) {
    retriesExhausted = true;
    inner = fromBody(retried[1]) ?? { message: firstLine(retried[1]!) };
  }
  const code = typeof e.code === 'number' && e.code >= 100 ? e.code : undefined;
  const reason =
    inner?.reason ?? (Array.isArray(e.errors) && typeof e.errors[0]?.reason === 'string' ? (e.errors[0].reason as string) : undefined);
  let message = inner?.message;
  if (!message) {
    const m = Array.isArray(e.errors) ? e.errors.find((x) => typeof x?.message === 'string')?.message : undefined;
    message = typeof m === 'string' ? m : firstLine(/^Multiple errors occurred/.test(raw) ? raw.split('\n').slice(2).join('\n') : raw);
  }
  if (/^\s*</.test(message)) message = `the server answered with HTML, not JSON: ${firstLine(message.replace(/<[^>]*>/g, ' ').trim()) || '(empty)'}`;
  return { status: inner?.status ?? code, reason, message, retriesExhausted };
}

/** True for google-auth-library's "no credentials found" family of errors. */
export function isCredentialsError(err: unknown): boolean {
  const m = (err as { message?: unknown })?.message;
  return typeof m === 'string' && /Could not load the default credentials|Unable to detect a Project Id|invalid_grant|Could not refresh access token/i.test(m);
}

export function credentialsError(api: string, step: string, err: unknown): GcpApiError {
  return new GcpApiError(api, step, { message: firstLine(String((err as Error)?.message ?? err)), retriesExhausted: false }, ADC_HINT);
}

/** The hint for a failed BigQuery call. */
export function bigQueryHint(f: GoogleFailure, ctx: { jobProject: string; table: string }): string | undefined {
  if (f.status === 401) return ADC_HINT;
  if (f.status === 403 && /rateLimitExceeded|quotaExceeded/.test(f.reason ?? '')) return 'a BigQuery quota was hit; try again later';
  if (f.status === 403) {
    return (
      `Allot needs bigquery.jobs.create on the job project ${ctx.jobProject} (roles/bigquery.jobUser; choose another with --project) ` +
      `and bigquery.tables.get + bigquery.tables.getData on ${ctx.table} (roles/bigquery.dataViewer on its dataset)`
    );
  }
  if (f.status === 404) return `check --table: it must name the Cloud Billing export table as project.dataset.table (${ctx.table})`;
  if (f.status === 400) return `is ${ctx.table} a Cloud Billing standard or detailed usage cost export?`;
  if (f.retriesExhausted || (f.status !== undefined && (f.status === 429 || f.status >= 500))) {
    return 'BigQuery is unavailable or throttling; nothing was imported, try again later';
  }
  return undefined;
}

/** The hint for a failed Cloud Billing Catalog call. */
export function catalogHint(f: GoogleFailure): string | undefined {
  if (f.status === 401) return ADC_HINT;
  if (f.status === 403) {
    return (
      'the Cloud Billing Catalog is public but is called through a project: enable the Cloud Billing API (cloudbilling.googleapis.com) ' +
      'in the credentials\' quota project and grant serviceusage.services.use there (roles/serviceusage.serviceUsageConsumer)'
    );
  }
  if (f.retriesExhausted || (f.status !== undefined && (f.status === 429 || f.status >= 500))) {
    return 'the Cloud Billing Catalog is unavailable or throttling; list prices were not changed, try again later';
  }
  return undefined;
}
