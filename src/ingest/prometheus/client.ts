import { AllotError } from '../../util/errors.ts';

/** One series of a range query: its labels and `[unix seconds, "value"]` samples. */
export interface PromSeries {
  metric: Record<string, string>;
  values: [number, string][];
}

export interface PrometheusClientOptions {
  /** Base URL, e.g. `http://prometheus:9090` or `https://mimir/prometheus`; `user:password@` becomes Basic auth. */
  url: string;
  /** Sent as `Authorization: Bearer …`. */
  bearerToken?: string;
  /** Per request (default 120 s). */
  timeoutMs?: number;
  /** Replaceable for tests; the global fetch by default. */
  fetch?: typeof fetch;
}

/** A failed or unreadable Prometheus request. */
export class PrometheusError extends AllotError {}

/**
 * A small client of the Prometheus HTTP API (`GET /api/v1/query_range`):
 * Node's global fetch, no dependency. Every failure is a PrometheusError
 * naming the server (without credentials) and the query.
 */
export class PrometheusClient {
  /** The base URL without credentials: what messages and the import log show. */
  readonly displayUrl: string;
  requests = 0;
  private readonly base: string;
  private readonly headers: Record<string, string>;
  private readonly timeoutMs: number;
  private readonly fetchFn: typeof fetch;

  constructor(opts: PrometheusClientOptions) {
    let u: URL;
    try {
      u = new URL(opts.url);
    } catch {
      throw new PrometheusError(`--url must be an http(s) URL such as http://prometheus:9090, got "${opts.url}"`);
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') {
      throw new PrometheusError(`--url must be an http(s) URL such as http://prometheus:9090, got "${opts.url}"`);
    }
    this.headers = { accept: 'application/json' };
    if (u.username || u.password) {
      const basic = Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString('base64');
      this.headers.authorization = `Basic ${basic}`;
      u.username = '';
      u.password = '';
    }
    if (opts.bearerToken) this.headers.authorization = `Bearer ${opts.bearerToken}`;
    u.search = '';
    u.hash = '';
    this.base = u.toString().replace(/\/+$/, '');
    this.displayUrl = this.base;
    this.timeoutMs = opts.timeoutMs ?? 120_000;
    this.fetchFn = opts.fetch ?? fetch;
  }

  /**
   * Evaluates `query` at start, start + step, … ≤ end (unix seconds) and
   * returns the matrix, plus any warnings Prometheus attached.
   */
  async queryRange(query: string, start: number, end: number, step: number, label = 'query'): Promise<{ series: PromSeries[]; warnings: string[] }> {
    const params = new URLSearchParams({ query, start: String(start), end: String(end), step: String(step) });
    const url = `${this.base}/api/v1/query_range?${params}`;
    const where = `Prometheus at ${this.displayUrl}`;
    const about = `(${label}: ${query})`;
    this.requests++;
    let res: Response;
    try {
      res = await this.fetchFn(url, { headers: this.headers, signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (e) {
      const err = e as Error & { cause?: { message?: string; code?: string } };
      if (err.name === 'TimeoutError' || err.name === 'AbortError') {
        throw new PrometheusError(`${where} did not answer within ${this.timeoutMs / 1000} s ${about}`);
      }
      throw new PrometheusError(`cannot reach ${where}: ${err.cause?.message ?? err.message}`);
    }
    let text: string;
    try {
      text = await res.text();
    } catch (e) {
      throw new PrometheusError(`${where}: the reply broke off: ${(e as Error).message} ${about}`);
    }
    let body: unknown;
    let parseError: string | undefined;
    try {
      body = JSON.parse(text);
    } catch (e) {
      parseError = (e as Error).message;
    }
    const b = (body && typeof body === 'object' ? body : {}) as { status?: unknown; errorType?: unknown; error?: unknown; data?: unknown; warnings?: unknown };

    if (!res.ok || b.status === 'error') {
      const detail =
        b.status === 'error'
          ? `${typeof b.errorType === 'string' ? `${b.errorType}: ` : ''}${String(b.error ?? 'no error message')}`
          : snippet(text) || res.statusText;
      const http = `HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`;
      if (res.status === 401 || res.status === 403) {
        throw new PrometheusError(
          `${where} refused access (${http}${detail ? `: ${detail}` : ''}): set ALLOT_PROMETHEUS_TOKEN (bearer token) or put user:password@ in --url`,
        );
      }
      throw new PrometheusError(`${where} failed the query (${http}${detail ? `: ${detail}` : ''}) ${about}`);
    }
    if (parseError !== undefined) {
      throw new PrometheusError(`${where} sent malformed JSON (${parseError}): ${snippet(text) || '(empty body)'} ${about}`);
    }
    const bad = (why: string) => new PrometheusError(`${where} sent an unexpected reply: ${why} ${about}`);
    if (b.status !== 'success') throw bad(`"status" is ${JSON.stringify(b.status)}, expected "success"`);
    const data = b.data as { resultType?: unknown; result?: unknown } | undefined;
    if (!data || typeof data !== 'object') throw bad('no "data" object');
    if (data.resultType !== 'matrix') throw bad(`data.resultType is ${JSON.stringify(data.resultType)}, expected "matrix"`);
    if (!Array.isArray(data.result)) throw bad('data.result is not an array');
    const series: PromSeries[] = [];
    for (const [i, s] of (data.result as unknown[]).entries()) {
      const x = s as { metric?: unknown; values?: unknown };
      if (!x || typeof x.metric !== 'object' || x.metric === null || !Array.isArray(x.values)) throw bad(`data.result[${i}] needs "metric" and "values"`);
      for (const [j, v] of (x.values as unknown[]).entries()) {
        if (!Array.isArray(v) || v.length !== 2 || typeof v[0] !== 'number' || typeof v[1] !== 'string') {
          throw bad(`data.result[${i}].values[${j}] is ${snippet(JSON.stringify(v))}, expected [<unix time>, "<value>"]`);
        }
      }
      series.push({ metric: x.metric as Record<string, string>, values: x.values as [number, string][] });
    }
    const warnings = Array.isArray(b.warnings) ? b.warnings.map(String) : [];
    return { series, warnings };
  }
}

function snippet(text: string): string {
  const t = text.replace(/\s+/g, ' ').trim();
  return t.length > 200 ? `${t.slice(0, 200)}…` : t;
}
