// The platform review as HTML (charts inline), Markdown and PNG charts (its JSON is the model itself).
export { renderValueHtml, renderValueMarkdown } from './render.ts';
export { valueCharts, type ValueChart } from './charts.ts';
