// One SMTP attempt and what its answer means, for `allot send` and the
// monthly job's send step alike: sent (to all, or to some with the others'
// refusals), a transient failure worth a retry (4xx, a lost connection), a
// permanent refusal (5xx), or a set-up problem no team can get past.
import nodemailer from 'nodemailer';
import type { SendMailOptions } from 'nodemailer';
import type { Config } from '../config/schema.ts';
import { AllotError } from '../util/errors.ts';

/** What a send needs of a transport: nodemailer's Transporter has it. */
export interface MailTransport {
  sendMail(mail: SendMailOptions): Promise<unknown>;
  close?(): void;
}

interface SmtpError {
  code?: string;
  command?: string;
  responseCode?: number;
  response?: string;
  message?: string;
  rejectedErrors?: SmtpError[];
}

/**
 * The SMTP set-up is wrong, not one message: the server refused the login, or
 * it offers no STARTTLS while the login needs it. Every team would get the
 * same answer, and no retry can change it until the configuration does.
 */
export class SmtpSetupError extends AllotError {
  override readonly exitCode = 2;
  override readonly retryable = false;
}

const CONNECTION_CODES = new Set(['ECONNECTION', 'ESOCKET', 'ETIMEDOUT', 'EDNS', 'ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETLS']);

/** 'transient' (retry), or 'permanent' (record and stop). */
export function classifySmtpError(e: unknown): 'transient' | 'permanent' {
  const err = (e ?? {}) as SmtpError;
  const code = err.responseCode ?? err.rejectedErrors?.find((r) => r.responseCode !== undefined)?.responseCode;
  if (code !== undefined) return code >= 400 && code < 500 ? 'transient' : 'permanent';
  return err.code !== undefined && CONNECTION_CODES.has(err.code) ? 'transient' : 'permanent';
}

/** The server's reply, or the error's message. */
export function smtpReply(e: unknown): string {
  const err = (e ?? {}) as SmtpError;
  return (err.response ?? err.message ?? String(e)).trim();
}

/** The SmtpSetupError an SMTP error amounts to, if it is one. */
export function smtpSetupProblem(e: unknown, smtp: Config['smtp']): SmtpSetupError | undefined {
  const err = (e ?? {}) as SmtpError;
  const reply = smtpReply(e);
  if (err.code === 'EAUTH') {
    return new SmtpSetupError(`the SMTP server ${smtp?.host ?? ''} refused the login as "${smtp?.user ?? ''}": ${reply} (check smtp.user and the password)`);
  }
  if (err.code === 'ETLS' && err.command === 'STARTTLS') {
    return new SmtpSetupError(
      `the SMTP server ${smtp?.host ?? ''} offers no STARTTLS, so the login as "${smtp?.user ?? ''}" would cross the network in clear (${reply}): ` +
        'use secure: true (TLS from the start, usually port 465), a server with STARTTLS, or say allow_insecure_auth: true in the smtp section',
    );
  }
  return undefined;
}

/** The smtp section as a nodemailer transport. */
export function smtpTransport(config: Config): MailTransport {
  const s = config.smtp;
  if (!s) throw new AllotError('no smtp section in the config: add smtp: { host, port, from, user, password: "${SMTP_PASSWORD}" } (or use --dry-run --out DIR)');
  return nodemailer.createTransport({
    host: s.host,
    port: s.port,
    secure: s.secure,
    // Credentials never cross the network in clear: without `secure` (TLS from the start) the
    // server must offer STARTTLS, unless the config says allow_insecure_auth: true.
    ...(s.user ? { auth: { user: s.user, pass: s.password ?? '' }, requireTLS: !s.secure && !s.allow_insecure_auth } : {}),
    connectionTimeout: 30_000,
    greetingTimeout: 30_000,
    socketTimeout: 60_000,
  });
}

/** What one attempt came to. */
export type Attempt =
  | {
      kind: 'sent';
      /** The accepting reply, then (a partial refusal) each refused recipient's reply. */
      response: string | null;
      /** Recipients the server refused while accepting others. */
      rejected: string[];
    }
  | { kind: 'transient' | 'permanent'; response: string; code: string | null }
  | { kind: 'setup'; response: string; code: string | null; error: SmtpSetupError };

/** Hands one message to the server, once, and says what the answer means. Never throws for an SMTP answer. */
export async function attemptSend(transport: MailTransport, message: SendMailOptions, smtp: Config['smtp']): Promise<Attempt> {
  try {
    const res = (await transport.sendMail(message)) as { response?: string; rejected?: unknown[]; rejectedErrors?: SmtpError[] };
    const rejected = (res.rejected ?? []).map((a) => (typeof a === 'string' ? a : ((a as { address?: string }).address ?? String(a))));
    const refusals = (res.rejectedErrors ?? []).map(smtpReply).filter(Boolean);
    const response = [res.response ?? '', ...(refusals.length ? [`refused: ${refusals.join('; ')}`] : [])].filter(Boolean).join('; ') || null;
    return { kind: 'sent', response, rejected };
  } catch (e) {
    const response = smtpReply(e);
    const code = (e as SmtpError | undefined)?.code ?? null;
    const setup = smtpSetupProblem(e, smtp);
    if (setup) return { kind: 'setup', response, code, error: setup };
    return { kind: classifySmtpError(e), response, code };
  }
}
