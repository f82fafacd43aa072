// `allot send`: each team's report by SMTP, once per period.
//
// Idempotent through the send log: a team with a 'sent' row for the period is
// skipped (unless resend), so a re-run after a failure or a crash sends only
// what is missing. The log row is written before the first attempt and
// finished right after the server's answer, each in its own transaction.
//
// Retries: a 4xx reply (greylisting, a full queue) and a lost connection are
// retried with backoff; a 5xx is final, recorded with the server's reply and
// never retried. The Message-ID is the same for every attempt.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import type { SendMailOptions } from 'nodemailer';
import type { Config } from '../config/schema.ts';
import { periodRunId } from '../close/close.ts';
import { buildTeamReport } from '../render/team/model.ts';
import { renderTeamReport } from '../render/team/render.ts';
import { selectTeams, writeFileAtomically, writeTeamFiles } from '../render/team/files.ts';
import { platformValueLinesOrNone } from '../render/team/value-line.ts';
import type { Store } from '../store/db.ts';
import { AllotError } from '../util/errors.ts';
import { composeMessage, DEFAULT_FROM, messageIdFor, toEml } from './message.ts';
import { finishSend, markInterrupted, readSendLog, recordAttempt, startSend, type SendLogRow } from './send-log.ts';

/** What sendReports needs of a transport: nodemailer's Transporter has it. */
export interface MailTransport {
  sendMail(mail: SendMailOptions): Promise<unknown>;
  close?(): void;
}

export interface SendOptions {
  period: string;
  /** One team only. */
  team?: string;
  /** Send again even where the log says it was sent. */
  resend?: boolean;
  /** A transport to use instead of one built from the config's smtp section (tests, jobs). */
  transport?: MailTransport;
  /** Dry run: write <team>.eml files here, send nothing, log nothing. */
  dryRunDir?: string;
  /** Waits before the 2nd, 3rd, … attempt of a transient failure; attempts = length + 1. */
  retryDelaysMs?: number[];
  sleep?: (ms: number) => Promise<void>;
  clock?: () => Date;
  /** Called as each team is done, for progress output. */
  onOutcome?: (o: SendOutcome) => void;
}

export interface SendOutcome {
  team_id: string;
  status: 'sent' | 'failed' | 'skipped' | 'written';
  recipients: string[];
  message_id: string | null;
  attempts: number;
  /** The server's reply to the last attempt (or the error). */
  response: string | null;
  /** Why it was skipped, or what else to know. */
  note: string | null;
  /** Recipients the server refused while accepting others. */
  rejected: string[];
  /** Dry run: the .eml written. */
  file: string | null;
}

export interface SendResult {
  period: string;
  run_id: number;
  dry_run: boolean;
  outcomes: SendOutcome[];
  /** Failed sends, and sends some recipients refused. */
  failures: SendOutcome[];
  /** Things that did not stop the sending (e.g. no platform value line). */
  warnings: string[];
}

/** Default backoff: 15 s, then 60 s (three attempts). Greylisting longer than that fails and is retried by the next run. */
export const DEFAULT_RETRY_DELAYS_MS = [15_000, 60_000];

export class DeliveryError extends AllotError {
  constructor(readonly result: SendResult) {
    const lines = result.failures.map((f) =>
      f.status === 'failed'
        ? `${f.team_id}: ${f.response ?? 'failed'} (after ${f.attempts} attempt${f.attempts === 1 ? '' : 's'})`
        : `${f.team_id}: refused ${f.rejected.join(', ')}${f.note ? ` (${f.note})` : ''}`,
    );
    super(
      `${result.failures.length} team report${result.failures.length === 1 ? ' was' : 's were'} not delivered for ${result.period}: ` +
        `${lines.join('; ')}. Re-run "allot send --period ${result.period}" to retry what failed` +
        (result.failures.some((f) => f.status === 'sent') ? '; for refused recipients fix the address and add --resend --team <id>' : ''),
    );
  }
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

/** The SmtpSetupError an SMTP error amounts to, if it is one. */
export function smtpSetupProblem(e: unknown, smtp: Config['smtp']): SmtpSetupError | undefined {
  const err = (e ?? {}) as SmtpError & { command?: string };
  const reply = describe(e);
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

/** Throws DeliveryError (exit 1) when anything was not delivered. */
export function assertDelivered(result: SendResult): void {
  if (result.failures.length > 0) throw new DeliveryError(result);
}

interface SmtpError {
  code?: string;
  responseCode?: number;
  response?: string;
  message?: string;
  rejectedErrors?: SmtpError[];
}

const CONNECTION_CODES = new Set(['ECONNECTION', 'ESOCKET', 'ETIMEDOUT', 'EDNS', 'ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETLS']);

/** 'transient' (retry), or 'permanent' (record and stop). */
export function classifySmtpError(e: unknown): 'transient' | 'permanent' {
  const err = (e ?? {}) as SmtpError;
  const code = err.responseCode ?? err.rejectedErrors?.find((r) => r.responseCode !== undefined)?.responseCode;
  if (code !== undefined) return code >= 400 && code < 500 ? 'transient' : 'permanent';
  return err.code !== undefined && CONNECTION_CODES.has(err.code) ? 'transient' : 'permanent';
}

function describe(e: unknown): string {
  const err = (e ?? {}) as SmtpError;
  return (err.response ?? err.message ?? String(e)).trim();
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

export async function sendReports(store: Store, config: Config, opts: SendOptions): Promise<SendResult> {
  const { period } = opts;
  if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(period)) throw new AllotError(`period must be YYYY-MM, got "${period}"`);
  const runId = await periodRunId(store, period);
  if (runId === undefined) throw new AllotError(`no allocation run for period ${period}: run "allot attribute --period ${period}" first`);
  const teams = selectTeams(config, opts.team);
  const clock = opts.clock ?? (() => new Date());
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const delays = opts.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
  const dry = opts.dryRunDir !== undefined;
  const from = config.smtp?.from ?? DEFAULT_FROM;
  const replyTo = config.smtp?.reply_to;

  const warnings: string[] = [];
  const outcomes: SendOutcome[] = [];
  const done = (o: SendOutcome) => {
    outcomes.push(o);
    opts.onOutcome?.(o);
  };
  const base = (teamId: string, recipients: string[]): SendOutcome => ({
    team_id: teamId, status: 'skipped', recipients, message_id: null, attempts: 0, response: null, note: null, rejected: [], file: null,
  });

  let transport: MailTransport | undefined = opts.transport;
  const ownTransport = !dry && transport === undefined;
  const values = await platformValueLinesOrNone(store, config, period, warnings);
  if (dry) mkdirSync(opts.dryRunDir!, { recursive: true });

  // The log as it stood when this send began: each team is handled once below.
  const logByTeam = new Map<string, SendLogRow[]>();
  for (const r of dry ? [] : await readSendLog(store, period)) logByTeam.set(r.team_id, [...(logByTeam.get(r.team_id) ?? []), r]);

  try {
    for (const team of teams) {
      if (team.emails.length === 0) {
        done({ ...base(team.id, []), note: 'no emails configured for the team (teams[].emails)' });
        continue;
      }
      const log = logByTeam.get(team.id) ?? [];
      const sent = log.filter((r) => r.status === 'sent');
      if (sent.length > 0 && !opts.resend) {
        const last = sent.at(-1)!;
        done({
          ...base(team.id, team.emails),
          message_id: last.message_id,
          note:
            `already sent ${last.sent_at ?? ''} to ${last.recipients} as ${last.message_id}` +
            (last.run_id !== runId ? `; the numbers changed since (run #${last.run_id} → #${runId}): --resend sends them` : '; --resend sends it again'),
        });
        continue;
      }

      const report = await buildTeamReport(store, config, period, team.id, { platformValue: values.get(team.id) ?? null });
      const rendered = await renderTeamReport(report, { kind: 'cid' });
      const resendNo = sent.filter((r) => r.run_id === runId).length;
      const messageId = messageIdFor(period, team.id, runId, resendNo);
      const mail = composeMessage(report, rendered, { from, ...(replyTo ? { replyTo } : {}), to: team.emails, messageId, date: clock() });

      if (dry) {
        const file = join(opts.dryRunDir!, `${team.id}.eml`);
        writeFileAtomically(file, await toEml(mail));
        done({ ...base(team.id, team.emails), status: 'written', message_id: messageId, file, note: sent.length ? 'a real run would skip it: already sent' : null });
        continue;
      }

      // A 'sending' row means a run died between handing the message over and
      // recording the answer: its fate is unknown, so it goes again, same Message-ID.
      const interrupted = log.filter((r) => r.status === 'sending');
      for (const r of interrupted) await markInterrupted(store, r.send_id, clock());

      transport ??= smtpTransport(config);
      const sendId = await startSend(
        store,
        { period, team_id: team.id, run_id: runId, recipients: team.emails, message_id: messageId, subject: rendered.subject, resend: sent.length > 0 },
        clock(),
      );
      done(await deliver(store, transport, mail, sendId, { delays, sleep, clock, smtp: config.smtp }, {
        ...base(team.id, team.emails),
        message_id: messageId,
        note: interrupted.length ? 'an earlier run was interrupted while sending this; sent again with the same Message-ID' : null,
      }));
    }
  } finally {
    if (ownTransport) transport?.close?.();
  }

  const failures = outcomes.filter((o) => o.status === 'failed' || (o.status === 'sent' && o.rejected.length > 0));
  return { period, run_id: runId, dry_run: dry, outcomes, failures, warnings };
}

/** Hands one message to the server, retrying transient failures; records the outcome. */
async function deliver(
  store: Store,
  transport: MailTransport,
  mail: SendMailOptions,
  sendId: number,
  r: { delays: number[]; sleep: (ms: number) => Promise<void>; clock: () => Date; smtp: Config['smtp'] },
  outcome: SendOutcome,
): Promise<SendOutcome> {
  const maxAttempts = r.delays.length + 1;
  for (let attempt = 1; ; attempt++) {
    try {
      const info = (await transport.sendMail(mail)) as { response?: string; rejected?: unknown[]; rejectedErrors?: SmtpError[] };
      const rejected = (info.rejected ?? []).map((a) => (typeof a === 'string' ? a : ((a as { address?: string }).address ?? String(a))));
      const response = info.response ?? null;
      await finishSend(store, sendId, { status: 'sent', attempts: attempt, response, error_code: null, rejected }, r.clock());
      const refused = (info.rejectedErrors ?? []).map(describe).join('; ');
      return { ...outcome, status: 'sent', attempts: attempt, response, rejected, note: rejected.length ? refused || outcome.note : outcome.note };
    } catch (e) {
      const response = describe(e);
      const code = (e as SmtpError | undefined)?.code ?? null;
      const setup = smtpSetupProblem(e, r.smtp);
      if (setup) {
        // Recorded for this team, then the whole send stops: the next team would get the same answer.
        await finishSend(store, sendId, { status: 'failed', attempts: attempt, response, error_code: code, rejected: [] }, r.clock());
        throw setup;
      }
      if (classifySmtpError(e) === 'transient' && attempt < maxAttempts) {
        await recordAttempt(store, sendId, attempt, response, code);
        await r.sleep(r.delays[attempt - 1]!);
        continue;
      }
      await finishSend(store, sendId, { status: 'failed', attempts: attempt, response, error_code: code, rejected: [] }, r.clock());
      return { ...outcome, status: 'failed', attempts: attempt, response };
    }
  }
}

export interface TeamEmailFiles {
  team_id: string;
  eml: string;
  html: string;
  images: string[];
}

/**
 * For the demo: every configured team's email as `<team>.eml` (what `allot
 * send` would deliver) and `<team>.html` with its charts as PNG files next to
 * it, into `outDir`. Sends nothing and writes nothing to the send log.
 */
export async function writeTeamEmails(store: Store, config: Config, period: string, outDir: string): Promise<TeamEmailFiles[]> {
  const runId = await periodRunId(store, period);
  if (runId === undefined) throw new AllotError(`no allocation run for period ${period}: run "allot attribute --period ${period}" first`);
  mkdirSync(outDir, { recursive: true });
  const values = await platformValueLinesOrNone(store, config, period);
  const out: TeamEmailFiles[] = [];
  for (const team of config.teams) {
    const report = await buildTeamReport(store, config, period, team.id, { platformValue: values.get(team.id) ?? null });
    const rendered = await renderTeamReport(report, { kind: 'cid' });
    const mail = composeMessage(report, rendered, {
      from: config.smtp?.from ?? DEFAULT_FROM,
      ...(config.smtp?.reply_to ? { replyTo: config.smtp.reply_to } : {}),
      to: team.emails,
      messageId: messageIdFor(period, team.id, runId),
    });
    const eml = join(outDir, `${team.id}.eml`);
    writeFileAtomically(eml, await toEml(mail));
    const files = await writeTeamFiles(report, outDir, rendered.charts);
    out.push({ team_id: team.id, eml, html: files.html, images: files.images });
  }
  return out;
}
