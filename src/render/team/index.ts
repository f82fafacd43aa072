// Team reports as email and files: view (model → display strings), charts (PNG), render (HTML and text).
export { renderCharts, type Chart, CHART_WIDTH, MAX_PNG_BYTES } from './charts.ts';
export { renderTeamReport, chartCid, chartFile, type RenderedReport, type ImageMode } from './render.ts';
export { formatMoney, periodLabel } from './format.ts';
