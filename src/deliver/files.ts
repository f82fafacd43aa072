// Reports written to disk instead of sent: `allot report showback` (HTML,
// text and PNG per team), the demo's emails (.eml beside the HTML), and the
// platform value report (HTML, Markdown, JSON). Nothing here sends or logs.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config/schema.ts';
import { buildTeamReports } from '../model/team/build.ts';
import type { TeamReport } from '../model/team/types.ts';
import type { ValueReport } from '../model/value/types.ts';
import { renderCharts, type Chart } from '../render/team/charts.ts';
import { chartFile, renderTeamReport } from '../render/team/render.ts';
import { renderValueHtml, renderValueMarkdown } from '../render/value/render.ts';
import type { ValueChart } from '../render/value/charts.ts';
import type { Store } from '../store/db.ts';
import { requirePeriodRunId } from '../store/runs.ts';
import { selectTeams } from '../config/lookups.ts';
import { writeAtomically } from '../util/files.ts';
import type { Period } from '../util/period.ts';
import { composeMessage, DEFAULT_FROM, messageIdFor, toEml } from './message.ts';

export interface ShowbackFile {
  team_id: string;
  html: string;
  text: string;
  images: string[];
  total: string;
  currency: string;
  decimals: number;
}

/** Writes one team's report files (charts as PNG files next to the HTML, not cid: parts); returns what it wrote. */
export async function writeTeamFiles(report: TeamReport, outDir: string, charts?: Chart[]): Promise<ShowbackFile> {
  mkdirSync(outDir, { recursive: true });
  const prefix = `${report.team.id}-`;
  const rendered = await renderTeamReport(report, { kind: 'file', prefix }, charts);
  const images: string[] = [];
  for (const c of rendered.charts) {
    const file = join(outDir, chartFile(prefix, c));
    writeAtomically(file, c.png);
    images.push(file);
  }
  const html = join(outDir, `${report.team.id}.html`);
  const text = join(outDir, `${report.team.id}.txt`);
  writeAtomically(html, rendered.html);
  writeAtomically(text, rendered.text);
  return { team_id: report.team.id, html, text, images, total: report.total, currency: report.currency, decimals: report.decimals };
}

/**
 * Reports whose charts are being drawn while an earlier one is written: resvg
 * rasterises on libuv's threads meanwhile, so a batch uses a second core.
 */
const AHEAD = 8;

/** Each report with its charts, in order, the charts drawn a few reports ahead. */
async function* withCharts(reports: AsyncIterable<TeamReport>): AsyncGenerator<[TeamReport, Chart[]]> {
  const ahead: { report: TeamReport; charts: Promise<Chart[]> }[] = [];
  for await (const report of reports) {
    const charts = renderCharts(report);
    charts.catch(() => undefined); // awaited in its turn below
    ahead.push({ report, charts });
    if (ahead.length >= AHEAD) {
      const next = ahead.shift()!;
      yield [next.report, await next.charts];
    }
  }
  for (const next of ahead) yield [next.report, await next.charts];
}

/** `allot report showback`: every team's (or one team's) report as files. */
export async function writeShowback(store: Store, config: Config, period: Period, outDir: string, opts: { team?: string } = {}): Promise<ShowbackFile[]> {
  const out: ShowbackFile[] = [];
  const reports = buildTeamReports(store, config, period, selectTeams(config, opts.team).map((t) => t.id));
  for await (const [report, charts] of withCharts(reports)) {
    out.push(await writeTeamFiles(report, outDir, charts));
  }
  return out;
}

export interface TeamEmailFiles {
  team_id: string;
  eml: string;
  html: string;
  images: string[];
}

/**
 * For the demo: every configured team's email as `<team>.eml` (what `allot
 * send` would deliver) and `<team>.html` with its charts as PNG files next to
 * it, into `outDir`.
 */
export async function writeTeamEmails(store: Store, config: Config, period: Period, outDir: string): Promise<TeamEmailFiles[]> {
  const runId = await requirePeriodRunId(store, period);
  mkdirSync(outDir, { recursive: true });
  const out: TeamEmailFiles[] = [];
  const reports = buildTeamReports(store, config, period, config.teams.map((t) => t.id));
  for await (const [report, charts] of withCharts(reports)) {
    const rendered = await renderTeamReport(report, { kind: 'cid' }, charts);
    const mail = composeMessage(report, rendered, {
      from: config.smtp?.from ?? DEFAULT_FROM,
      ...(config.smtp?.reply_to ? { replyTo: config.smtp.reply_to } : {}),
      to: report.team.emails,
      messageId: messageIdFor(period, report.team.id, runId),
    });
    const eml = join(outDir, `${report.team.id}.eml`);
    writeAtomically(eml, await toEml(mail));
    const files = await writeTeamFiles(report, outDir, rendered.charts);
    out.push({ team_id: report.team.id, eml, html: files.html, images: files.images });
  }
  return out;
}

/** Writes value-<period>.html (charts inline), .md and .json into `dir`, and each chart as a PNG beside them; returns the paths. */
export function writeValueReport(r: ValueReport, dir: string, charts: ValueChart[] = []): { html: string; markdown: string; json: string; images: string[] } {
  const base = join(dir, `value-${r.period}`);
  const files = { html: `${base}.html`, markdown: `${base}.md`, json: `${base}.json` };
  writeAtomically(files.html, renderValueHtml(r, charts));
  writeAtomically(files.markdown, renderValueMarkdown(r));
  writeAtomically(files.json, `${JSON.stringify(r, null, 2)}\n`);
  const images = charts.map((c) => {
    const file = `${base}-${c.name}.png`;
    writeAtomically(file, c.png);
    return file;
  });
  return { ...files, images };
}
