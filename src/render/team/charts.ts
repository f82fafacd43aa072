// Charts for team reports: Vega-Lite → Vega → SVG (headless, renderer 'none')
// → PNG with resvg. Fonts are passed as files so the PNG bytes do not depend
// on the machine's installed fonts (DejaVu Sans; system fonts if it is missing).
// Amounts become JS numbers here only to draw bars; no number is printed from them
// except axis ticks.
import { existsSync } from 'node:fs';
import { renderAsync } from '@resvg/resvg-js';
import * as vega from 'vega';
import * as vl from 'vega-lite';
import { periodShort } from './format.ts';
import type { TeamReport } from '../../model/team/types.ts';

const FONT_DIR = '/usr/share/fonts/truetype/dejavu';
const FONT_FILES = ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf'].map((f) => `${FONT_DIR}/${f}`);
const FONT = 'DejaVu Sans';

/** Pixel width the email shows a chart at; the PNG is up to twice that for sharp screens. */
export const CHART_WIDTH = 560;
/** Largest PNG we send; a denser scale is tried first. */
export const MAX_PNG_BYTES = 40_000;

export interface Chart {
  /** Stable name: "daily", "types", "trend". */
  name: 'daily' | 'types' | 'trend';
  title: string;
  /** A text alternative for the image (alt text and the text part). */
  alt: string;
  png: Buffer;
  /** Display size in CSS pixels. */
  width: number;
  height: number;
}

/** A charge type's colour, the same in the charts and in the email's table swatches. */
export const TYPE_COLORS: Record<string, string> = {
  direct: '#4c78a8',
  kubernetes: '#72b7b2',
  idle: '#e45756',
  shared: '#f58518',
  adjustment: '#9d755d',
};

const baseConfig = {
  font: FONT,
  background: 'white',
  view: { stroke: null },
  axis: { labelFontSize: 10, titleFontSize: 10, labelColor: '#444', titleColor: '#444', gridColor: '#eee', domainColor: '#999', tickColor: '#999' },
  legend: { labelFontSize: 10, titleFontSize: 10, orient: 'top', direction: 'horizontal', title: null, symbolType: 'square' },
};

/**
 * Parsed Vega dataflows by chart shape: everything of the Vega-Lite spec but
 * its data values, which neither compiling nor parsing reads (they are only
 * ingested when the view starts). The teams' charts differ mostly in their data.
 */
const parsed = new Map<string, vega.Runtime>();
/** Shapes kept before the cache starts over (a long-running process meets new currencies and months). */
const MAX_SHAPES = 100;

/** vega.parse(vl.compile(spec).spec), compiling and parsing each shape once. */
function parseChart(spec: vl.TopLevelSpec & { data: { values: unknown[] } }): vega.Runtime {
  const { data, ...shape } = spec;
  const key = JSON.stringify(shape);
  let runtime = parsed.get(key);
  if (!runtime) {
    if (parsed.size >= MAX_SHAPES) parsed.clear();
    runtime = vega.parse(vl.compile({ ...shape, data: { values: [] } } as vl.TopLevelSpec).spec);
    parsed.set(key, runtime);
  }
  // The one inline data set of a single view: its collect operator ingests the values.
  const out = structuredClone(runtime);
  const inputs = (out.operators as { value?: { $ingest?: unknown } }[]).filter((o) => o.value?.$ingest);
  if (inputs.length !== 1) throw new Error(`a chart has ${inputs.length} inline data sets, not one`);
  inputs[0]!.value!.$ingest = data.values;
  return out;
}

/** Renders a chart `height` px high at the email's width, in the house style, to PNG. */
export async function toPng(chartHeight: number, chart: { data: { values: unknown[] }; mark: unknown; encoding: unknown }, maxBytes = MAX_PNG_BYTES): Promise<{ png: Buffer; width: number; height: number }> {
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width: CHART_WIDTH,
    height: chartHeight,
    autosize: { type: 'fit', contains: 'padding' },
    config: baseConfig,
    ...chart,
  } as vl.TopLevelSpec & { data: { values: unknown[] } };
  const view = new vega.View(parseChart(spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  const [, w = '0', h = '0'] = /width="(\d+(?:\.\d+)?)" height="(\d+(?:\.\d+)?)"/.exec(svg) ?? [];
  const width = Math.round(Number(w));
  const height = Math.round(Number(h));
  const haveFonts = FONT_FILES.every((f) => existsSync(f));
  const font = haveFonts
    ? { fontFiles: FONT_FILES, loadSystemFonts: false, defaultFontFamily: FONT }
    : { loadSystemFonts: true, defaultFontFamily: FONT };
  let png: Buffer = Buffer.alloc(0);
  // resvg lays out and rasterises on libuv's threads; the next chart's Vega runs here meanwhile.
  for (const zoom of [2, 1.5, 1]) {
    png = (await renderAsync(svg, { font, fitTo: { mode: 'zoom', value: zoom } })).asPng();
    if (png.length <= maxBytes) break;
  }
  return { png, width, height };
}

const num = (s: string) => Number(s);

/** Axis tick format: plain thousands up to 10,000, SI prefixes ("12k", "1.5M") above. */
export function tickFormat(values: (number | null)[]): string {
  const max = Math.max(0, ...values.map((v) => Math.abs(v ?? 0)));
  return max >= 10_000 ? '~s' : ',.0f';
}

function dayTotals(values: { day: string; amount: number }[]): number[] {
  const t = new Map<string, number>();
  for (const v of values) t.set(v.day, (t.get(v.day) ?? 0) + v.amount);
  return [...t.values()];
}

/** Daily cost over the month, stacked by charge type. */
export async function dailyChart(r: TeamReport): Promise<Chart> {
  const order = Object.keys(TYPE_COLORS);
  const values = r.daily.map((d) => ({ day: d.day.slice(8), type: d.charge_type, amount: num(d.amount), o: order.indexOf(d.charge_type) }));
  // Legend and stack in the order of the charge-type table: direct at the bottom.
  const types = order.filter((t) => values.some((v) => v.type === t));
  const png = await toPng(150, {
    data: { values },
    mark: { type: 'bar' },
    encoding: {
      x: { field: 'day', type: 'ordinal', title: null, axis: { labelAngle: 0, labelExpr: "toNumber(datum.value) % 5 == 1 ? datum.value : ''" } },
      y: { field: 'amount', type: 'quantitative', aggregate: 'sum', title: r.currency, axis: { format: tickFormat(dayTotals(values)), tickCount: 4 } },
      color: {
        field: 'type',
        type: 'nominal',
        scale: { domain: types, range: types.map((t) => TYPE_COLORS[t] ?? '#888') },
      },
      order: { field: 'o', type: 'quantitative' },
    },
  });
  return {
    name: 'daily',
    title: `Daily cost, ${r.period_label}`,
    alt: `Daily cost in ${r.period_label} by charge type`,
    ...png,
  };
}

/** This month's cost by charge type (bars). */
export async function typesChart(r: TeamReport): Promise<Chart> {
  const values = r.by_charge_type.map((t) => ({ type: t.charge_type, amount: num(t.amount) }));
  const png = await toPng(110, {
    data: { values },
    mark: { type: 'bar', height: 14 },
    encoding: {
      y: { field: 'type', type: 'nominal', title: null, sort: values.map((v) => v.type) },
      x: { field: 'amount', type: 'quantitative', title: r.currency, axis: { format: tickFormat(values.map((v) => v.amount)), tickCount: 5 } },
      color: { field: 'type', type: 'nominal', legend: null, scale: { domain: Object.keys(TYPE_COLORS), range: Object.values(TYPE_COLORS) } },
    },
  });
  return { name: 'types', title: 'By charge type', alt: `Cost in ${r.period_label} by charge type`, ...png };
}

/** The team's total for each of the last six months. */
export async function trendChart(r: TeamReport): Promise<Chart> {
  const values = r.trend.map((t) => ({ month: periodShort(t.period), amount: t.amount === null ? null : num(t.amount), current: t.period === r.period }));
  const png = await toPng(130, {
    data: { values },
    mark: { type: 'bar', width: { band: 0.6 } },
    encoding: {
      // Every month on the axis, also those without a run (no bar).
      x: { field: 'month', type: 'ordinal', sort: null, title: null, axis: { labelAngle: 0 }, scale: { domain: values.map((v) => v.month) } },
      y: { field: 'amount', type: 'quantitative', title: r.currency, axis: { format: tickFormat(values.map((v) => v.amount)), tickCount: 4 } },
      color: { field: 'current', type: 'nominal', legend: null, scale: { domain: [false, true], range: ['#a8c3de', '#4c78a8'] } },
    },
  });
  return { name: 'trend', title: 'Last six months', alt: `Total cost for the six months to ${r.period_label}`, ...png };
}

/** All three charts of a report, in the order the email shows them (drawn concurrently). */
export async function renderCharts(r: TeamReport): Promise<Chart[]> {
  return Promise.all([dailyChart(r), typesChart(r), trendChart(r)]);
}
