// `allot report showback`: per team an HTML file (charts as PNG files next to
// it, not cid: parts), the plain-text version, and the PNGs.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../../config/schema.ts';
import type { Store } from '../../store/db.ts';
import { AllotError } from '../../util/errors.ts';
import { buildTeamReport, type PlatformValueLine, type TeamReport } from './model.ts';
import { platformValueLinesOrNone } from './value-line.ts';
import type { Chart } from './charts.ts';
import { chartFile, renderTeamReport } from './render.ts';

export interface ShowbackOptions {
  /** One team only; default every configured team. */
  team?: string;
  /** The platform value line per team id; default: from the value model, computed once. */
  platformValue?: (teamId: string) => PlatformValueLine | undefined;
}

export interface ShowbackFile {
  team_id: string;
  html: string;
  text: string;
  images: string[];
  total: string;
  currency: string;
  decimals: number;
}

/** Writes via a temp file and rename, so a reader never sees half a file. */
export function writeFileAtomically(file: string, content: string | Buffer): void {
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, content);
  renameSync(tmp, file);
}

/** The teams a command works on: all configured, or the one asked for. */
export function selectTeams(config: Config, team?: string): Config['teams'] {
  if (team === undefined) return config.teams;
  const t = config.teams.find((x) => x.id === team);
  if (!t) throw new AllotError(`unknown team "${team}"; teams: ${config.teams.map((x) => x.id).join(', ')}`);
  return [t];
}

/** Writes one team's report files; returns what it wrote. */
export async function writeTeamFiles(report: TeamReport, outDir: string, charts?: Chart[]): Promise<ShowbackFile> {
  mkdirSync(outDir, { recursive: true });
  const prefix = `${report.team.id}-`;
  const rendered = await renderTeamReport(report, { kind: 'file', prefix }, charts);
  const images: string[] = [];
  for (const c of rendered.charts) {
    const file = join(outDir, chartFile(prefix, c));
    writeFileAtomically(file, c.png);
    images.push(file);
  }
  const html = join(outDir, `${report.team.id}.html`);
  const text = join(outDir, `${report.team.id}.txt`);
  writeFileAtomically(html, rendered.html);
  writeFileAtomically(text, rendered.text);
  return { team_id: report.team.id, html, text, images, total: report.total, currency: report.currency, decimals: report.decimals };
}

export async function writeShowback(store: Store, config: Config, period: string, outDir: string, opts: ShowbackOptions = {}): Promise<ShowbackFile[]> {
  const teams = selectTeams(config, opts.team);
  const lines = opts.platformValue ? undefined : await platformValueLinesOrNone(store, config, period);
  const out: ShowbackFile[] = [];
  for (const t of teams) {
    const pv = opts.platformValue ? opts.platformValue(t.id) : lines?.get(t.id);
    const report = await buildTeamReport(store, config, period, t.id, { platformValue: pv ?? null });
    out.push(await writeTeamFiles(report, outDir));
  }
  return out;
}
