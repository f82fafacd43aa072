// `allot alerts` and the daily alerts job: each team's budget and spend
// alerts for the open month, by email to the team's addresses and as JSON to
// its webhooks, each once per (team, period, alert, channel).
//
// Idempotent through the send log (migration 015 adds alert_key and
// channel): what the log shows as sent is skipped, so re-running sends
// nothing new. A row is written 'sending' before the first attempt and
// finished right after the answer; a row a crashed run left 'sending' is sent
// again under the same Message-ID.
import { join } from 'node:path';
import type { SendMailOptions } from 'nodemailer';
import type { Config, Team } from '../config/schema.ts';
import { detectAlerts } from '../model/alerts/detect.ts';
import type { Alert } from '../model/alerts/types.ts';
import { buildForecasts } from '../model/forecast/build.ts';
import { renderAlert, slackPayload, teamsPayload, type RenderedAlert } from '../render/alerts/render.ts';
import type { Store } from '../store/db.ts';
import { sqlFolder } from '../store/sql.ts';
import { AllotError } from '../util/errors.ts';
import { writeAtomically } from '../util/files.ts';
import type { Period } from '../util/period.ts';
import { DEFAULT_FROM, toEml } from './message.ts';
import { DEFAULT_RETRY_DELAYS_MS } from './send.ts';
import { finishSend, markInterrupted, recordAttempt } from './send-log.ts';
import { attemptSend, smtpTransport, type MailTransport } from './smtp.ts';
import { attemptWebhook, fetchPoster, webhookName, type WebhookPoster } from './webhook.ts';

const sql = sqlFolder(new URL('./sql/', import.meta.url));

export interface AlertsOptions {
  period: Period;
  team?: string;
  /** The day to forecast from (YYYY-MM-DD; default today, UTC). */
  asOf?: string;
  /** A mail transport instead of one built from the config's smtp section. */
  transport?: MailTransport;
  /** Posts to webhooks (default: fetch). */
  post?: WebhookPoster;
  /** Dry run: write each alert as <team>.<alert>.eml (and .<format>.json per webhook) here; send and log nothing. */
  dryRunDir?: string;
  retryDelaysMs?: number[];
  sleep?: (ms: number) => Promise<void>;
  clock?: () => Date;
  onOutcome?: (o: AlertOutcome) => void;
}

export interface AlertOutcome {
  team_id: string;
  alert_key: string;
  channel: 'email' | 'webhook';
  status: 'sent' | 'failed' | 'skipped' | 'written';
  /** Email addresses, or the webhook's origin and a hash of its URL (never the URL). */
  recipients: string;
  subject: string;
  message_id: string | null;
  attempts: number;
  response: string | null;
  note: string | null;
  file: string | null;
}

export interface AlertsResult {
  period: string;
  run_id: number | null;
  as_of: string | null;
  dry_run: boolean;
  alerts: Alert[];
  outcomes: AlertOutcome[];
  failures: AlertOutcome[];
}

interface AlertLogRow {
  send_id: number;
  team_id: string;
  alert_key: string;
  channel: string;
  recipients: string;
  message_id: string;
  subject: string | null;
  status: 'sending' | 'sent' | 'failed';
  response: string | null;
  attempts: number;
  started_at: string;
  sent_at: string | null;
}

/** The alerts of a period in the send log, oldest first. */
export async function readAlertLog(store: Store, period: string, teamId?: string): Promise<AlertLogRow[]> {
  return store.all<AlertLogRow>(sql('alert-log'), [period, teamId ?? null]);
}

export class AlertDeliveryError extends AllotError {
  constructor(readonly result: AlertsResult) {
    super(
      `${result.failures.length} alert${result.failures.length === 1 ? ' was' : 's were'} not delivered for ${result.period}: ` +
        result.failures.map((f) => `${f.team_id} ${f.alert_key} by ${f.channel}: ${f.response ?? 'failed'}`).join('; ') +
        `. Re-run "allot alerts --period ${result.period}" to retry what failed`,
    );
  }
}

export function assertAlertsDelivered(r: AlertsResult): void {
  if (r.failures.length > 0) throw new AlertDeliveryError(r);
}

/** `<allot.alert.2026-10.payments.forecast-80@allot.local>`: one id per alert, the same for every attempt. */
export function alertMessageId(period: string, teamId: string, key: string): string {
  return `<allot.alert.${period}.${teamId}.${key.replace(/[^A-Za-z0-9.-]+/g, '-')}@allot.local>`;
}

/** A file name for an alert: `payments.anomaly-2026-10-14-Amazon-EC2`. */
const fileBase = (teamId: string, key: string) => `${teamId}.${key.replace(/[^A-Za-z0-9.-]+/g, '-')}`;

/** Every alert of every team (or one), as an email message. */
export function alertMail(a: Alert, r: RenderedAlert, team: Team, config: Config, date?: Date): SendMailOptions {
  return {
    from: config.smtp?.from ?? DEFAULT_FROM,
    ...(config.smtp?.reply_to ? { replyTo: config.smtp.reply_to } : {}),
    to: team.emails,
    subject: r.subject,
    messageId: alertMessageId(a.period, team.id, a.key),
    ...(date ? { date } : {}),
    headers: {
      'Auto-Submitted': 'auto-generated',
      'X-Auto-Response-Suppress': 'OOF, AutoReply',
      'X-Allot-Period': a.period,
      'X-Allot-Team': team.id,
      'X-Allot-Run': String(a.run_id),
      'X-Allot-Alert': a.key,
    },
    text: r.text,
    html: r.html,
  };
}

/** The alerts of a period, as they stand; nothing is sent. */
export async function currentAlerts(store: Store, config: Config, o: { period: Period; team?: string; asOf?: string }): Promise<Alert[]> {
  const series = await buildForecasts(store, config, o.period, { ...(o.team ? { team: o.team } : {}), ...(o.asOf ? { asOf: o.asOf } : {}) });
  return detectAlerts(store, config, series);
}

export async function sendAlerts(store: Store, config: Config, opts: AlertsOptions): Promise<AlertsResult> {
  const { period } = opts;
  const clock = opts.clock ?? (() => new Date());
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const delays = opts.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
  const post = opts.post ?? fetchPoster;
  const dry = opts.dryRunDir !== undefined;

  const alerts = await currentAlerts(store, config, opts);
  const log = dry ? [] : await readAlertLog(store, period, opts.team);
  const outcomes: AlertOutcome[] = [];
  const done = (o: AlertOutcome) => {
    outcomes.push(o);
    opts.onOutcome?.(o);
  };

  let transport = opts.transport;
  const ownTransport = !dry && transport === undefined;
  try {
    for (const a of alerts) {
      const team = config.teams.find((t) => t.id === a.team.id)!;
      const r = renderAlert(a);
      const messageId = alertMessageId(period, team.id, a.key);
      const base = { team_id: team.id, alert_key: a.key, subject: r.subject, message_id: messageId, attempts: 0, response: null, note: null, file: null };
      const channels: { channel: 'email' | 'webhook'; recipients: string; url?: string; format?: 'slack' | 'teams'; index?: number }[] = [
        { channel: 'email', recipients: team.emails.join(', ') },
        ...(team.webhooks ?? []).map((w, index) => ({ channel: 'webhook' as const, recipients: webhookName(w.url), url: w.url, format: w.format, index })),
      ];
      for (const ch of channels) {
        const o: AlertOutcome = { ...base, channel: ch.channel, recipients: ch.recipients, status: 'skipped' };
        if (ch.channel === 'email' && team.emails.length === 0) {
          done({ ...o, note: 'no emails configured for the team (teams[].emails)' });
          continue;
        }
        const body = ch.channel === 'webhook' ? JSON.stringify(ch.format === 'teams' ? teamsPayload(a, r) : slackPayload(a, r)) : '';
        if (dry) {
          const file = join(opts.dryRunDir!, ch.channel === 'email' ? `${fileBase(team.id, a.key)}.eml` : `${fileBase(team.id, a.key)}.webhook${ch.index}.${ch.format}.json`);
          writeAtomically(file, ch.channel === 'email' ? await toEml(alertMail(a, r, team, config)) : `${body}\n`);
          done({ ...o, status: 'written', file });
          continue;
        }
        // Once per team, alert and channel: new addresses do not get an alert again; each webhook is its own channel.
        const mine = log.filter((l) => l.team_id === team.id && l.alert_key === a.key && l.channel === ch.channel && (ch.channel === 'email' || l.recipients === ch.recipients));
        const sent = mine.find((l) => l.status === 'sent');
        if (sent) {
          done({ ...o, note: `already sent ${sent.sent_at ?? ''} (${sent.message_id})` });
          continue;
        }
        for (const l of mine.filter((x) => x.status === 'sending')) await markInterrupted(store, l.send_id, clock());
        const id = (await store.one<{ id: number }>(sql('alert-start'), [period, team.id, a.run_id, ch.recipients, messageId, r.subject, clock().toISOString(), a.key, ch.channel]))!.id;
        if (ch.channel === 'email') {
          transport ??= smtpTransport(config);
          done(await deliverMail(store, transport, alertMail(a, r, team, config, clock()), id, { delays, sleep, clock, config }, o));
        } else {
          done(await deliverWebhook(store, post, ch.url!, body, id, { delays, sleep, clock }, o));
        }
      }
    }
  } finally {
    if (ownTransport) transport?.close?.();
  }
  const failures = outcomes.filter((o) => o.status === 'failed');
  return { period, run_id: alerts[0]?.run_id ?? null, as_of: alerts[0]?.as_of ?? null, dry_run: dry, alerts, outcomes, failures };
}

interface Retry {
  delays: number[];
  sleep: (ms: number) => Promise<void>;
  clock: () => Date;
}

async function deliverMail(store: Store, transport: MailTransport, mail: SendMailOptions, sendId: number, r: Retry & { config: Config }, o: AlertOutcome): Promise<AlertOutcome> {
  for (let attempt = 1; ; attempt++) {
    const a = await attemptSend(transport, mail, r.config.smtp);
    if (a.kind === 'sent') {
      await finishSend(store, sendId, { status: 'sent', attempts: attempt, response: a.response, error_code: null, rejected: a.rejected }, r.clock());
      return { ...o, status: 'sent', attempts: attempt, response: a.response };
    }
    if (a.kind === 'transient' && attempt <= r.delays.length) {
      await recordAttempt(store, sendId, attempt, a.response, a.code);
      await r.sleep(r.delays[attempt - 1]!);
      continue;
    }
    await finishSend(store, sendId, { status: 'failed', attempts: attempt, response: a.response, error_code: a.code, rejected: [] }, r.clock());
    if (a.kind === 'setup') throw a.error;
    return { ...o, status: 'failed', attempts: attempt, response: a.response };
  }
}

async function deliverWebhook(store: Store, post: WebhookPoster, url: string, body: string, sendId: number, r: Retry, o: AlertOutcome): Promise<AlertOutcome> {
  for (let attempt = 1; ; attempt++) {
    const a = await attemptWebhook(post, url, body);
    if (a.kind === 'sent') {
      await finishSend(store, sendId, { status: 'sent', attempts: attempt, response: a.response, error_code: null, rejected: [] }, r.clock());
      return { ...o, status: 'sent', attempts: attempt, response: a.response };
    }
    if (a.kind === 'transient' && attempt <= r.delays.length) {
      await recordAttempt(store, sendId, attempt, a.response, null);
      await r.sleep(r.delays[attempt - 1]!);
      continue;
    }
    await finishSend(store, sendId, { status: 'failed', attempts: attempt, response: a.response, error_code: null, rejected: [] }, r.clock());
    return { ...o, status: 'failed', attempts: attempt, response: a.response };
  }
}
