// Who gets what for a period: per team the recipients, the Message-ID, and
// whether to send at all (no addresses; already sent unless resend), from
// the send log. `allot send` and the monthly job both plan with this.
import { selectTeams } from '../config/lookups.ts';
import type { Config } from '../config/schema.ts';
import type { Store } from '../store/db.ts';
import type { Period } from '../util/period.ts';
import { messageIdFor } from './message.ts';
import { readSendLog, type SendLogRow } from './send-log.ts';

export interface PlannedSend {
  team_id: string;
  recipients: string[];
  /** The message to send; for a skipped team, the one that was sent, if any. */
  message_id: string | null;
  /** Why no email goes out (no addresses, already sent), or null. */
  skip: string | null;
  /** The team was mailed for the period before: this is a deliberate resend. */
  resend: boolean;
  /** Log rows a run left 'sending' when it died: their fate is unknown, so the message goes again. */
  interrupted: number[];
}

export interface PlanOptions {
  /** One team only. */
  team?: string;
  /** Send again even where the log says it was sent. */
  resend?: boolean;
  /** Plan as if nothing had been sent (a dry run writes every team's message). */
  ignoreLog?: boolean;
}

export async function planSends(store: Store, config: Config, period: Period, runId: number, opts: PlanOptions = {}): Promise<PlannedSend[]> {
  // The log as it stood when this send began: each team is planned once.
  const logByTeam = new Map<string, SendLogRow[]>();
  for (const r of opts.ignoreLog ? [] : await readSendLog(store, period)) logByTeam.set(r.team_id, [...(logByTeam.get(r.team_id) ?? []), r]);
  return selectTeams(config, opts.team).map((team) => {
    const base = { team_id: team.id, recipients: [...team.emails], resend: false, interrupted: [] as number[] };
    if (team.emails.length === 0) return { ...base, message_id: null, skip: 'no emails configured for the team (teams[].emails)' };
    const log = logByTeam.get(team.id) ?? [];
    const sent = log.filter((r) => r.status === 'sent');
    if (sent.length > 0 && !opts.resend) {
      const last = sent.at(-1)!;
      return {
        ...base,
        message_id: last.message_id,
        skip:
          `already sent ${last.sent_at ?? ''} to ${last.recipients} as ${last.message_id}` +
          (last.run_id !== runId ? `; the numbers changed since (run #${last.run_id} → #${runId}): --resend sends them` : '; --resend sends it again'),
      };
    }
    // A deliberate resend of a message already delivered gets a new id (mail stores drop a repeated one).
    const resendNo = sent.filter((r) => r.run_id === runId).length;
    return {
      ...base,
      message_id: messageIdFor(period, team.id, runId, resendNo),
      skip: null,
      resend: sent.length > 0,
      interrupted: log.filter((r) => r.status === 'sending').map((r) => r.send_id),
    };
  });
}
