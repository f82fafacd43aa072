// The budget block of the team email: one sentence for this month, and the
// six months of budget against actual (a table: the charts stay as they are).
import type { TeamReport } from '../../model/team/types.ts';
import { formatMoney, periodShort } from './format.ts';

export interface BudgetView {
  line: string;
  rows: { period: string; budget: string; actual: string; variance: string; over: boolean }[];
  /** The same rows as a fixed-width table, for the text part. */
  text: string;
}

export function budgetView(r: TeamReport): BudgetView | null {
  const b = r.budget;
  if (!b) return null;
  const m = (x: string) => formatMoney(x, b.currency, r.decimals);
  const signed = (x: string) => (x.startsWith('-') ? `${m(x.slice(1))} under` : `${m(x)} over`);
  const line =
    b.budget === null || b.variance === null
      ? `No budget is set for ${r.period_label}; the months before are below.`
      : `Budget ${m(b.budget)} (${b.source ?? ''}); actual ${m(b.actual)}, ${signed(b.variance)} budget.`;
  const rows = b.trend.map((t) => ({
    period: periodShort(t.period),
    budget: t.budget === null ? '–' : m(t.budget),
    actual: t.actual === null ? 'no run' : m(t.actual),
    variance: t.variance === null ? '–' : signed(t.variance),
    over: t.variance !== null && !t.variance.startsWith('-') && !/^0*\.?0*$/.test(t.variance),
  }));
  const head = ['month', 'budget', 'actual', 'variance'];
  const cells = rows.map((x) => [x.period, x.budget, x.actual, x.variance]);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const fmt = (c: string[]) => c.map((v, i) => (i === 0 ? v.padEnd(widths[i]!) : v.padStart(widths[i]!))).join('  ').trimEnd();
  return { line, rows, text: [fmt(head), ...cells.map(fmt)].join('\n') };
}
