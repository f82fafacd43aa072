// An alert as words: subject, text and HTML for email, JSON for Slack- and
// Teams-compatible incoming webhooks. Pure: the alert in, strings out.
import type { Alert, Behind } from '../../model/alerts/types.ts';
import { formatMoney, subtractDecimal } from '../../util/decimal.ts';
import { periodLabel } from '../../util/period.ts';

export interface RenderedAlert {
  subject: string;
  /** Headline, then the sections: what moved, by how much, since when, behind it, look closer. */
  headline: string;
  sections: { title: string; lines: string[] }[];
  footer: string;
  text: string;
  html: string;
}

/** Control characters have no place in a header or a line. */
// eslint-disable-next-line no-control-regex
const clean = (s: string) => s.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();

export function renderAlert(a: Alert): RenderedAlert {
  const m = (x: string) => formatMoney(x, a.currency, a.decimals);
  const month = periodLabel(a.period);
  const team = `${clean(a.team.name)} (${a.team.id})`;
  let subject: string;
  let headline: string;
  let moved: string[];
  let by: string[];
  let since: string[];
  let behindTitle = 'Behind it (the month so far, largest first)';
  // A zero budget has no percentage: any cost is over it.
  const ofBudget = (percent: string, budget: string) => (percent ? `${percent}% of the ${m(budget)} budget` : `over the ${m(budget)} budget`);
  switch (a.kind) {
    case 'forecast':
      subject = `${clean(a.team.name)}: ${month} forecast ${m(a.forecast)} is ${a.percent ? `${a.percent}% of` : 'over'} budget (${a.threshold}% threshold)`;
      headline = `${team}, ${month}: the forecast to month end has reached ${a.threshold}% of the budget.`;
      moved = [
        `The forecast to month end is ${m(a.forecast)} (likely between ${m(a.low)} and ${m(a.high)}), ${ofBudget(a.percent, a.budget)} (${clean(a.budget_source)}).`,
        `Cost to date: ${m(a.mtd)}.`,
      ];
      by = [
        subtractDecimal(a.forecast, a.threshold_amount, a.decimals).startsWith('-')
          ? `${m(subtractDecimal(a.threshold_amount, a.forecast, a.decimals))} under the ${a.threshold}% threshold of ${m(a.threshold_amount)}.`
          : `${m(subtractDecimal(a.forecast, a.threshold_amount, a.decimals))} over the ${a.threshold}% threshold of ${m(a.threshold_amount)}.`,
      ];
      since = [`Since ${a.since}: a forecast made on any day since then, from the days billed before it, is at or over the threshold.`];
      break;
    case 'mtd':
      subject = `${clean(a.team.name)}: ${month} cost to date ${m(a.mtd)} has reached the ${m(a.budget)} budget`;
      headline = `${team}, ${month}: the cost to date has reached the month's budget.`;
      moved = [`The cost to date is ${m(a.mtd)}, ${ofBudget(a.percent, a.budget)} (${clean(a.budget_source)}).`];
      by = [a.over_by.startsWith('-') ? `${m(a.over_by.slice(1))} under the budget.` : `${m(a.over_by)} over the budget.`];
      since = [`${a.since}: that day's cost took the month to the budget.`];
      break;
    default:
      subject = `${clean(a.team.name)}: ${clean(a.service)} cost ${m(a.amount)} on ${a.day}, ${m(a.excess)} above its typical day`;
      headline = `${team}: an unusual day of ${clean(a.service)} on ${a.day}.`;
      moved = [`The usage cost of ${clean(a.service)} (${a.charge_types.join(', ')}) on ${a.day} was ${m(a.amount)}.`];
      by = [
        `${m(a.excess)} above its typical day of ${m(a.typical)}: the median of the ${a.history.days} complete days ${a.history.from} to ${a.history.to}, ` +
          `whose median absolute deviation is ${m(a.mad)}.`,
      ];
      since = [`${a.day}, the first day of it.`];
      behindTitle = /^Kubernetes \(/.test(a.service) ? 'Behind it (the namespaces of the cluster, the month so far, largest first)' : 'Behind it (that day, largest first)';
  }
  const sections = [
    { title: 'What moved', lines: moved },
    { title: 'By how much', lines: by },
    { title: 'Since when', lines: since },
    { title: behindTitle, lines: a.behind.length ? a.behind.map((b) => behindLine(b, m)) : ['(no line items or namespaces of the team to list: see allot explain)'] },
    { title: 'Look closer', lines: [a.explain] },
  ];
  const footer =
    `From allocation run #${a.run_id}, as of ${a.as_of}; ${month} is not closed, so these numbers may still change. ` +
    `Allot sends this alert once (alert ${a.key}).`;
  const text = [`${headline}`, '', ...sections.flatMap((s) => [`${s.title}:`, ...s.lines.map((l) => `  ${l}`), '']), footer, ''].join('\n');
  const html =
    `<!doctype html><html><head><meta charset="utf-8"><title>${esc(subject)}</title></head><body style="font-family:sans-serif">` +
    `<p><strong>${esc(headline)}</strong></p>` +
    sections.map((s) => `<h3>${esc(s.title)}</h3><ul>${s.lines.map((l) => `<li>${esc(l)}</li>`).join('')}</ul>`).join('') +
    `<p style="color:#666">${esc(footer)}</p></body></html>`;
  return { subject: `[Allot] ${subject}`, headline, sections, footer, text, html };
}

function behindLine(b: Behind, m: (x: string) => string): string {
  return `${m(b.amount)}  ${clean(b.label)}${b.line_items !== null ? ` (${b.line_items} line item${b.line_items === '1' ? '' : 's'})` : ''}`;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
/** Slack mrkdwn: &, < and > are the only characters to escape. */
const slackEsc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The body of a Slack incoming webhook (text, with blocks for the sections). */
export function slackPayload(a: Alert, r: RenderedAlert = renderAlert(a)): unknown {
  return {
    text: slackEsc(r.subject),
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `*${slackEsc(r.headline)}*` } },
      ...r.sections.map((s) => ({ type: 'section', text: { type: 'mrkdwn', text: `*${slackEsc(s.title)}*\n${s.lines.map((l) => slackEsc(l)).join('\n')}` } })),
      { type: 'context', elements: [{ type: 'mrkdwn', text: slackEsc(r.footer) }] },
    ],
  };
}

/** The body of a Microsoft Teams incoming webhook (a MessageCard). */
export function teamsPayload(a: Alert, r: RenderedAlert = renderAlert(a)): unknown {
  return {
    '@type': 'MessageCard',
    '@context': 'https://schema.org/extensions',
    summary: r.subject,
    themeColor: a.kind === 'anomaly' ? 'FFA500' : 'D70000',
    title: r.subject,
    text: r.headline,
    sections: r.sections.map((s) => ({ activityTitle: s.title, text: s.lines.join('\n\n') })),
  };
}
