// Team showback/chargeback reports: model, charts, rendering, files.
export * from './model.ts';
export { renderCharts, type Chart, CHART_WIDTH, MAX_PNG_BYTES } from './charts.ts';
export { renderTeamReport, chartCid, chartFile, type RenderedReport, type ImageMode } from './render.ts';
export { writeShowback, writeTeamFiles, selectTeams, writeFileAtomically, type ShowbackFile, type ShowbackOptions } from './files.ts';
export { formatMoney, periodLabel } from './format.ts';
export { platformValueLines, platformValueLinesOrNone } from './value-line.ts';
