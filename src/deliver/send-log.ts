// The send log (migration 003): what was mailed to whom, with the server's
// answer. Every write is one statement, so each is its own transaction: a
// row is 'sending' before the first SMTP attempt and 'sent'/'failed' right
// after the answer, whatever happens to the teams after it.
import type { Store } from '../store/db.ts';
import { sqlFolder } from '../store/sql.ts';

const sql = sqlFolder(new URL('./sql/', import.meta.url));

export type SendStatus = 'sending' | 'sent' | 'failed';

export interface SendLogRow {
  send_id: number;
  period: string;
  team_id: string;
  run_id: number;
  recipients: string;
  message_id: string;
  subject: string | null;
  status: SendStatus;
  response: string | null;
  error_code: string | null;
  rejected: string | null;
  attempts: number;
  resend: boolean;
  started_at: string;
  sent_at: string | null;
}

/** The log of a period's team reports (and team), oldest first; alerts (alert_key set) have their own log (../deliver/alerts). */
export async function readSendLog(store: Store, period: string, teamId?: string): Promise<SendLogRow[]> {
  return store.all<SendLogRow>(sql('send-log'), [period, teamId ?? null]);
}

/** Records a message about to be handed to the server; returns its send_id. */
export async function startSend(
  store: Store,
  r: { period: string; team_id: string; run_id: number; recipients: string[]; message_id: string; subject: string; resend: boolean },
  at: Date,
): Promise<number> {
  const row = await store.one<{ id: number }>(sql('send-start'), [
    r.period, r.team_id, r.run_id, r.recipients.join(', '), r.message_id, r.subject, r.resend, at.toISOString(),
  ]);
  return row!.id;
}

/** A transient failure, before the next attempt: how many so far and what the server said. */
export async function recordAttempt(store: Store, sendId: number, attempts: number, response: string, errorCode: string | null): Promise<void> {
  await store.run(sql('send-attempt'), [sendId, attempts, response, errorCode]);
}

/** The final state of a message. */
export async function finishSend(
  store: Store,
  sendId: number,
  r: { status: 'sent' | 'failed'; attempts: number; response: string | null; error_code: string | null; rejected: string[] },
  at: Date,
): Promise<void> {
  await store.run(sql('send-finish'), [
    sendId, r.status, r.attempts, r.response, r.error_code, r.rejected.length ? r.rejected.join(', ') : null, at.toISOString(),
  ]);
}

/** A 'sending' row left by a process that died mid-send: its outcome is unknown. */
export async function markInterrupted(store: Store, sendId: number, at: Date): Promise<void> {
  await store.run(sql('send-interrupted'), [sendId, at.toISOString()]);
}
