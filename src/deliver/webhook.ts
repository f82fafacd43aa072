// One POST of an alert to an incoming webhook (Slack- or Teams-compatible),
// and what the answer means: 2xx delivered; 429, 5xx and a lost connection
// are worth a retry; any other 4xx is final (a revoked or mistyped URL).
import { createHash } from 'node:crypto';

/** Posts a JSON body; resolves with the HTTP status and the start of the reply, rejects on a network error. */
export type WebhookPoster = (url: string, body: string) => Promise<{ status: number; text: string }>;

/** The real poster: Node's fetch, 15 s per attempt. */
export const fetchPoster: WebhookPoster = async (url, body) => {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(15_000), redirect: 'error' });
  return { status: res.status, text: (await res.text()).slice(0, 300) };
};

export type WebhookAttempt = { kind: 'sent'; response: string } | { kind: 'transient' | 'permanent'; response: string };

export async function attemptWebhook(post: WebhookPoster, url: string, body: string): Promise<WebhookAttempt> {
  try {
    const r = await post(url, body);
    const response = `HTTP ${r.status}${r.text ? ` ${r.text.trim()}` : ''}`;
    if (r.status >= 200 && r.status < 300) return { kind: 'sent', response };
    return { kind: r.status === 429 || r.status >= 500 ? 'transient' : 'permanent', response };
  } catch (e) {
    const err = e as Error & { cause?: { code?: string } };
    return { kind: 'transient', response: `${err.cause?.code ?? err.name}: ${err.message}` };
  }
}

/**
 * How the send log names a webhook: its origin and a short hash of the whole
 * URL. The URL's path is its secret (whoever has it can post), so it is
 * never written down.
 */
export function webhookName(url: string): string {
  let origin = 'webhook';
  try {
    origin = new URL(url).origin;
  } catch {
    // the schema only lets URLs through
  }
  return `${origin}/… (sha256 ${createHash('sha256').update(url).digest('hex').slice(0, 8)})`;
}
