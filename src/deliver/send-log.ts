// The send log (migration 003): what was mailed to whom, with the server's
// answer. Every write is one statement, so each is its own transaction: a
// row is 'sending' before the first SMTP attempt and 'sent'/'failed' right
// after the answer, whatever happens to the teams after it.
import type { Store } from '../store/db.ts';

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

const COLUMNS = `send_id, period, team_id, run_id, recipients, message_id, subject, status, response, error_code, rejected,
  attempts, resend, strftime(started_at, '%Y-%m-%dT%H:%M:%SZ') AS started_at, strftime(sent_at, '%Y-%m-%dT%H:%M:%SZ') AS sent_at`;

/** The log of a period's team reports (and team), oldest first; alerts (alert_key set) have their own log (../deliver/alerts). */
export async function readSendLog(store: Store, period: string, teamId?: string): Promise<SendLogRow[]> {
  return store.all<SendLogRow>(
    `SELECT ${COLUMNS} FROM send_log WHERE period = $1 AND ($2::VARCHAR IS NULL OR team_id = $2) AND alert_key IS NULL ORDER BY send_id`,
    [period, teamId ?? null],
  );
}

/** Records a message about to be handed to the server; returns its send_id. */
export async function startSend(
  store: Store,
  r: { period: string; team_id: string; run_id: number; recipients: string[]; message_id: string; subject: string; resend: boolean },
  at: Date,
): Promise<number> {
  const row = await store.one<{ id: number }>(
    `INSERT INTO send_log (send_id, period, team_id, run_id, recipients, message_id, subject, status, attempts, resend, started_at)
     VALUES (nextval('send_id_seq'), $1, $2, $3, $4, $5, $6, 'sending', 0, $7, $8::TIMESTAMP)
     RETURNING send_id::INTEGER AS id`,
    [r.period, r.team_id, r.run_id, r.recipients.join(', '), r.message_id, r.subject, r.resend, at.toISOString()],
  );
  return row!.id;
}

/** A transient failure, before the next attempt: how many so far and what the server said. */
export async function recordAttempt(store: Store, sendId: number, attempts: number, response: string, errorCode: string | null): Promise<void> {
  await store.run(`UPDATE send_log SET attempts = $2, response = $3, error_code = $4 WHERE send_id = $1`, [sendId, attempts, response, errorCode]);
}

/** The final state of a message. */
export async function finishSend(
  store: Store,
  sendId: number,
  r: { status: 'sent' | 'failed'; attempts: number; response: string | null; error_code: string | null; rejected: string[] },
  at: Date,
): Promise<void> {
  await store.run(
    `UPDATE send_log SET status = $2, attempts = $3, response = $4, error_code = $5, rejected = $6, sent_at = $7::TIMESTAMP WHERE send_id = $1`,
    [sendId, r.status, r.attempts, r.response, r.error_code, r.rejected.length ? r.rejected.join(', ') : null, at.toISOString()],
  );
}

/** A 'sending' row left by a process that died mid-send: its outcome is unknown. */
export async function markInterrupted(store: Store, sendId: number, at: Date): Promise<void> {
  await store.run(
    `UPDATE send_log SET status = 'failed', response = coalesce(response || '; ', '') || 'interrupted: no answer was recorded', sent_at = $2::TIMESTAMP
     WHERE send_id = $1 AND status = 'sending'`,
    [sendId, at.toISOString()],
  );
}
