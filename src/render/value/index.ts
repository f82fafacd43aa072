import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ValueReport } from './model.ts';
import { renderValueHtml, renderValueMarkdown } from './render.ts';

export { buildValueReport, type Range, type TeamValue, type ValueInput, type ValueReport } from './model.ts';
export { renderValueHtml, renderValueMarkdown } from './render.ts';

/** Writes value-<period>.html, .md and .json into `dir` (created if missing); returns the paths. */
export function writeValueReport(r: ValueReport, dir: string): { html: string; markdown: string; json: string } {
  mkdirSync(dir, { recursive: true });
  const base = join(dir, `value-${r.period}`);
  const files = { html: `${base}.html`, markdown: `${base}.md`, json: `${base}.json` };
  writeFileSync(files.html, renderValueHtml(r));
  writeFileSync(files.markdown, renderValueMarkdown(r));
  writeFileSync(files.json, `${JSON.stringify(r, null, 2)}\n`);
  return files;
}
