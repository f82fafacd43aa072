// The platform value report as HTML and Markdown (its JSON is the model itself).
export { renderValueHtml, renderValueMarkdown } from './render.ts';
