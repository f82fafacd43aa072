// One team's report as an email: multipart/alternative (text + HTML) with the
// charts as inline related parts referenced by cid:, and a Message-ID that is
// the same for every attempt at the same (period, team, run).
import nodemailer from 'nodemailer';
import type { SendMailOptions } from 'nodemailer';
import type { TeamReport } from '../model/team/types.ts';
import { chartCid, type RenderedReport } from '../render/team/render.ts';

/** The sender when the config has no smtp section (dry runs, demo files). */
export const DEFAULT_FROM = 'Allot <allot@allot.local>';

/**
 * `<allot.2026-10.payments.run7@allot.local>`: a retry of the same message
 * (a 4xx, a re-run after a crash) carries the same id, so a receiving system
 * can recognise a duplicate. A deliberate `--resend` of a message already
 * delivered gets `.resend1`, `.resend2`, … (mail stores drop a repeated id).
 */
export function messageIdFor(period: string, teamId: string, runId: number, resendNo = 0): string {
  return `<allot.${period}.${teamId}.run${runId}${resendNo > 0 ? `.resend${resendNo}` : ''}@allot.local>`;
}

export interface ComposeOptions {
  from: string;
  replyTo?: string;
  to: string[];
  messageId: string;
  date?: Date;
}

export function composeMessage(report: TeamReport, rendered: RenderedReport, o: ComposeOptions): SendMailOptions {
  return {
    from: o.from,
    ...(o.replyTo ? { replyTo: o.replyTo } : {}),
    to: o.to,
    subject: rendered.subject,
    messageId: o.messageId,
    ...(o.date ? { date: o.date } : {}),
    headers: {
      'Auto-Submitted': 'auto-generated',
      'X-Auto-Response-Suppress': 'OOF, AutoReply',
      'X-Allot-Period': report.period,
      'X-Allot-Team': report.team.id,
      'X-Allot-Run': String(report.run_id),
    },
    text: rendered.text,
    html: rendered.html,
    attachments: rendered.charts.map((c) => ({
      filename: `${c.name}.png`,
      content: c.png,
      contentType: 'image/png',
      cid: chartCid(report, c),
      contentDisposition: 'inline' as const,
    })),
  };
}

/** The message as RFC 5322 bytes (an .eml file), built by nodemailer without SMTP. */
export async function toEml(mail: SendMailOptions): Promise<Buffer> {
  const t = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows' });
  const info = await t.sendMail(mail);
  return info.message as Buffer;
}
