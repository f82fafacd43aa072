// Secrets in the configuration: what the store, the logs and every export
// may keep of it. The resolved configuration holds the values of `${VAR}`,
// so `smtp.password: ${SMTP_PASSWORD}` is the password itself once loaded.
import type { Config } from './schema.ts';

/** Keys whose values are secrets wherever they appear. */
const SECRET = /^(password|passwd|pass|secret|token|api_?key|credentials?|private_?key)$/i;

export const REDACTED = '[redacted]';

export function isSecretKey(key: string): boolean {
  return SECRET.test(key);
}

/**
 * A copy of the configuration with every secret replaced by "[redacted]"
 * (kept only where a value was set, so the copy still says one was). This is
 * what allocation runs store as their configuration snapshot, and what the
 * configuration's hash is taken of: attribution never reads a secret, so the
 * snapshot loses nothing it needs.
 */
export function redactConfig(config: Config): Config {
  return redact(config) as Config;
}

function redact(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(redact);
  if (v && typeof v === 'object') {
    return Object.fromEntries(
      Object.entries(v as Record<string, unknown>).map(([k, x]) => [
        k,
        isSecretKey(k) && x !== undefined && x !== null && x !== '' ? REDACTED : k === 'webhooks' && Array.isArray(x) ? x.map(redactWebhook) : redact(x),
      ]),
    );
  }
  return v;
}

/** An incoming-webhook URL is its own credential (whoever has it can post): only its origin is kept. */
function redactWebhook(w: unknown): unknown {
  if (!w || typeof w !== 'object' || typeof (w as { url?: unknown }).url !== 'string') return redact(w);
  const url = (w as { url: string }).url;
  let origin = REDACTED;
  try {
    origin = `${new URL(url).origin}/${REDACTED}`;
  } catch {
    // not a URL: all of it is redacted
  }
  return { ...(redact(w) as object), url: origin };
}
