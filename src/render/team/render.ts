// Renders a team report to an HTML part, a plain-text part and PNG charts,
// with the Handlebars templates in reports/team/. The HTML is for email:
// tables and inline styles, no scripts, no SVG, no remote images.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';
import { renderCharts, type Chart } from './charts.ts';
import type { TeamReport } from '../../model/team/types.ts';
import { teamView, type TeamView } from './view.ts';

export const TEMPLATE_DIR = join(dirname(fileURLToPath(import.meta.url)), '../../../reports/team');

interface Templates {
  html: HandlebarsTemplateDelegate<TeamView>;
  text: HandlebarsTemplateDelegate<TeamView>;
}

let cached: Templates | undefined;

/**
 * Compiles the templates once. Partials are the files starting with "_":
 * `_hygiene.html.hbs` is `{{> hygiene-html}}`. HTML escapes every `{{value}}`;
 * the text part is not HTML, so it is compiled without escaping.
 */
function templates(): Templates {
  if (cached) return cached;
  const hbs = Handlebars.create();
  for (const f of readdirSync(TEMPLATE_DIR).filter((n) => n.startsWith('_') && n.endsWith('.hbs'))) {
    hbs.registerPartial(f.slice(1, -'.hbs'.length).replaceAll('.', '-'), readFileSync(join(TEMPLATE_DIR, f), 'utf8'));
  }
  const read = (n: string) => readFileSync(join(TEMPLATE_DIR, n), 'utf8');
  cached = {
    html: hbs.compile<TeamView>(read('email.html.hbs'), { strict: true, preventIndent: true }),
    text: hbs.compile<TeamView>(read('email.txt.hbs'), { strict: false, noEscape: true, preventIndent: true }),
  };
  return cached;
}

export interface RenderedReport {
  subject: string;
  html: string;
  text: string;
  charts: Chart[];
  /** How each chart is referenced from the HTML: a `cid:` URL or a file name. */
  imageRefs: Record<Chart['name'], string>;
}

export type ImageMode =
  /** `<img src="cid:...">`, for an email with the PNGs as inline parts. */
  | { kind: 'cid' }
  /** `<img src="<prefix><name>.png">`, for an HTML file next to its PNGs. */
  | { kind: 'file'; prefix: string };

/** The Content-ID of a chart in a team's email (without the angle brackets). */
export function chartCid(r: TeamReport, c: Pick<Chart, 'name'>): string {
  return `${c.name}.${r.period}.${r.team.id}@allot.local`;
}

/** The file a chart is written to in file mode. */
export function chartFile(prefix: string, c: Pick<Chart, 'name'>): string {
  return `${prefix}${c.name}.png`;
}

/** Renders the report; `charts` lets a caller reuse the PNGs of an earlier rendering. */
export async function renderTeamReport(r: TeamReport, mode: ImageMode = { kind: 'cid' }, charts?: Chart[]): Promise<RenderedReport> {
  charts ??= await renderCharts(r);
  const ref = (c: Chart) => (mode.kind === 'cid' ? `cid:${chartCid(r, c)}` : chartFile(mode.prefix, c));
  const view = teamView(r, charts, ref);
  const t = templates();
  const html = t.html(view);
  const text = `${t.text(view).replace(/\n{3,}/g, '\n\n').trim()}\n`;
  const imageRefs = Object.fromEntries(charts.map((c) => [c.name, ref(c)])) as Record<Chart['name'], string>;
  return { subject: view.subject, html, text, charts, imageRefs };
}
