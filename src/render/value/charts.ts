// The review's trend charts (PNG, drawn with the team reports' chart library):
// market share per capability, and spend through each capability, by month.
// Amounts become JS numbers here only to draw; no printed figure comes from them.
import { tickFormat, toPng } from '../team/charts.ts';
import { periodShort } from '../../util/period.ts';
import type { ValueReport } from '../../model/value/types.ts';

export interface ValueChart {
  name: 'adoption' | 'spend';
  title: string;
  alt: string;
  png: Buffer;
  width: number;
  height: number;
}

/** Largest PNG inlined in the review: two of them, base64, leave the HTML room under 100 KB. */
const MAX_BYTES = 14_000;

const COLORS = ['#4c78a8', '#f58518', '#54a24b', '#e45756', '#72b7b2', '#b279a2', '#9d755d', '#bab0ac'];

export async function valueCharts(r: ValueReport): Promise<ValueChart[]> {
  if (r.capabilities.length === 0) return [];
  const months = r.capabilities[0]!.adoption.map((a) => periodShort(a.period));
  const names = r.capabilities.map((c) => c.name);
  const color = { field: 'capability', type: 'nominal', scale: { domain: names, range: COLORS.slice(0, names.length) } };
  const share = r.capabilities.flatMap((c) =>
    c.adoption.filter((a) => a.run_id !== null && a.market_share_pct !== 'n/a').map((a) => ({ month: periodShort(a.period), capability: c.name, share: Number(a.market_share_pct) })));
  const adoption = await toPng(140, {
    data: { values: share },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'month', type: 'ordinal', sort: null, title: null, axis: { labelAngle: 0 }, scale: { domain: months } },
      y: { field: 'share', type: 'quantitative', title: '% of eligible teams', scale: { domain: [0, 100] }, axis: { tickCount: 5 } },
      color,
    },
  }, MAX_BYTES);
  const spendValues = r.capabilities.flatMap((c) =>
    c.trend.filter((t) => t.spend !== null).map((t) => ({ month: periodShort(t.period), capability: c.name, spend: Number(t.spend) })));
  const spend = await toPng(140, {
    data: { values: spendValues },
    mark: { type: 'bar', width: { band: 0.6 } },
    encoding: {
      x: { field: 'month', type: 'ordinal', sort: null, title: null, axis: { labelAngle: 0 }, scale: { domain: months } },
      y: { field: 'spend', type: 'quantitative', aggregate: 'sum', title: r.currency, axis: { format: tickFormat(spendValues.map((v) => v.spend)), tickCount: 4 } },
      color,
    },
  }, MAX_BYTES);
  const span = `${r.capabilities[0]!.adoption[0]!.period} to ${r.period}`;
  return [
    { name: 'adoption', title: 'Market share by month', alt: `Share of eligible teams using each capability, ${span}`, ...adoption },
    { name: 'spend', title: 'Platform cost through each capability', alt: `Platform cost through each capability by month in ${r.currency}, ${span}`, ...spend },
  ];
}
