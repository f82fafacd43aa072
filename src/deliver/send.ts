// `allot send`: each team's report by SMTP, once per period.
//
// Idempotent through the send log: a team with a 'sent' row for the period is
// skipped (unless resend), so a re-run after a failure or a crash sends only
// what is missing (./plan.ts). The log row is written before the first
// attempt and finished right after the server's answer, each in its own
// transaction (./send-log.ts).
//
// Retries: a 4xx reply (greylisting, a full queue) and a lost connection are
// retried with backoff; a 5xx is final, recorded with the server's reply and
// never retried (./smtp.ts). The Message-ID is the same for every attempt.
import { join } from 'node:path';
import type { SendMailOptions } from 'nodemailer';
import type { Config } from '../config/schema.ts';
import { buildTeamReports } from '../model/team/build.ts';
import { renderTeamReport } from '../render/team/render.ts';
import type { Store } from '../store/db.ts';
import { requirePeriodRunId } from '../store/runs.ts';
import { AllotError } from '../util/errors.ts';
import { writeAtomically } from '../util/files.ts';
import type { Period } from '../util/period.ts';
import { composeMessage, DEFAULT_FROM, toEml } from './message.ts';
import { planSends } from './plan.ts';
import { finishSend, markInterrupted, recordAttempt, startSend } from './send-log.ts';
import { attemptSend, smtpTransport, type MailTransport } from './smtp.ts';

export interface SendOptions {
  period: Period;
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
        : `${f.team_id}: refused ${f.rejected.join(', ')}${f.response ? ` (${f.response})` : ''}`,
    );
    super(
      `${result.failures.length} team report${result.failures.length === 1 ? ' was' : 's were'} not delivered for ${result.period}: ` +
        `${lines.join('; ')}. Re-run "allot send --period ${result.period}" to retry what failed` +
        (result.failures.some((f) => f.status === 'sent') ? '; for refused recipients fix the address and add --resend --team <id>' : ''),
    );
  }
}

/** Throws DeliveryError (exit 1) when anything was not delivered. */
export function assertDelivered(result: SendResult): void {
  if (result.failures.length > 0) throw new DeliveryError(result);
}

export async function sendReports(store: Store, config: Config, opts: SendOptions): Promise<SendResult> {
  const { period } = opts;
  const runId = await requirePeriodRunId(store, period);
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

  // A dry run writes every team's message, as if nothing had been sent.
  const plan = await planSends(store, config, period, runId, { team: opts.team, resend: opts.resend, ignoreLog: dry });
  for (const p of plan.filter((x) => x.skip)) done({ ...base(p.team_id, p.recipients), message_id: p.message_id, note: p.skip });
  const toSend = plan.filter((x) => !x.skip);

  let transport: MailTransport | undefined = opts.transport;
  const ownTransport = !dry && transport === undefined;
  try {
    for await (const report of buildTeamReports(store, config, period, toSend.map((p) => p.team_id), warnings)) {
      const p = toSend.find((x) => x.team_id === report.team.id)!;
      const rendered = await renderTeamReport(report, { kind: 'cid' });
      const mail = composeMessage(report, rendered, { from, ...(replyTo ? { replyTo } : {}), to: p.recipients, messageId: p.message_id!, date: clock() });

      if (dry) {
        const file = join(opts.dryRunDir!, `${p.team_id}.eml`);
        writeAtomically(file, await toEml(mail));
        done({ ...base(p.team_id, p.recipients), status: 'written', message_id: p.message_id, file, note: null });
        continue;
      }

      // A 'sending' row means a run died between handing the message over and
      // recording the answer: its fate is unknown, so it goes again, same Message-ID.
      for (const id of p.interrupted) await markInterrupted(store, id, clock());

      transport ??= smtpTransport(config);
      const sendId = await startSend(
        store,
        { period, team_id: p.team_id, run_id: runId, recipients: p.recipients, message_id: p.message_id!, subject: rendered.subject, resend: p.resend },
        clock(),
      );
      done(await deliver(store, transport, mail, sendId, { delays, sleep, clock, smtp: config.smtp }, {
        ...base(p.team_id, p.recipients),
        message_id: p.message_id,
        note: p.interrupted.length ? 'an earlier run was interrupted while sending this; sent again with the same Message-ID' : null,
      }));
    }
  } finally {
    if (ownTransport) transport?.close?.();
  }

  outcomes.sort((x, y) => plan.findIndex((p) => p.team_id === x.team_id) - plan.findIndex((p) => p.team_id === y.team_id));
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
    const a = await attemptSend(transport, mail, r.smtp);
    if (a.kind === 'sent') {
      await finishSend(store, sendId, { status: 'sent', attempts: attempt, response: a.response, error_code: null, rejected: a.rejected }, r.clock());
      return { ...outcome, status: 'sent', attempts: attempt, response: a.response, rejected: a.rejected };
    }
    if (a.kind === 'transient' && attempt < maxAttempts) {
      await recordAttempt(store, sendId, attempt, a.response, a.code);
      await r.sleep(r.delays[attempt - 1]!);
      continue;
    }
    await finishSend(store, sendId, { status: 'failed', attempts: attempt, response: a.response, error_code: a.code, rejected: [] }, r.clock());
    // The set-up is wrong: recorded for this team, then the whole send stops (the next team would get the same answer).
    if (a.kind === 'setup') throw a.error;
    return { ...outcome, status: 'failed', attempts: attempt, response: a.response };
  }
}
