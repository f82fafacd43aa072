import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';
import { grouped, isNegative, markdownText } from './format.ts';
import type { Range, TeamValue, ValueReport } from '../../model/value/types.ts';

// Renders a ValueReport through reports/value/*.hbs. Templates only place
// pre-formatted strings; every one goes through {{ }} (HTML-escaped), never
// triple braces, so a team name or a config source cannot inject markup.

const TEMPLATES = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'reports', 'value');

// An own instance: helpers registered here do not leak into other reports.
const hb = Handlebars.create();
/** Markdown text: neutralise Markdown syntax; {{ }} then HTML-escapes the result. */
hb.registerHelper('md', (s: unknown) => markdownText(String(s ?? '')));

const compiled = new Map<string, HandlebarsTemplateDelegate>();
function template(name: string): HandlebarsTemplateDelegate {
  let t = compiled.get(name);
  if (!t) {
    t = hb.compile(readFileSync(join(TEMPLATES, name), 'utf8'), { strict: true });
    compiled.set(name, t);
  }
  return t;
}

interface Cell {
  text: string;
  negative: boolean;
}

const cell = (amount: string): Cell => ({ text: grouped(amount), negative: isNegative(amount) });
const rangeText = (r: Range) => `${grouped(r.low)} to ${grouped(r.high)}`;
const rangeCells = (r: Range): Cell[] => [cell(r.low), cell(r.base), cell(r.high)];

function teamView(t: TeamValue) {
  const rows = [
    { label: 'Compute', cells: rangeCells(t.breakdown.compute), strong: false },
    { label: 'Control plane', cells: rangeCells(t.breakdown.control_plane), strong: false },
    { label: 'Toil', cells: rangeCells(t.breakdown.toil), strong: false },
    { label: 'CI and tooling', cells: rangeCells(t.breakdown.ci_tooling), strong: false },
    { label: 'Self-managed', cells: rangeCells(t.self_managed), strong: true },
    { label: 'Platform cost', cells: rangeCells({ low: t.platform_cost, base: t.platform_cost, high: t.platform_cost }), strong: false },
    { label: 'Value', cells: rangeCells(t.value), strong: true },
  ];
  return {
    id: t.team_id,
    name: t.team_name,
    on: t.uses_kubernetes,
    note: t.note,
    rows,
    platform: cell(t.platform_cost),
    selfBase: cell(t.self_managed.base),
    selfRange: rangeText(t.self_managed),
    valueBase: cell(t.value.base),
    valueRange: rangeText(t.value),
    cpuHours: grouped(t.cpu_core_hours),
    memHours: grouped(t.mem_gib_hours),
    baseCells: [t.breakdown.compute.base, t.breakdown.control_plane.base, t.breakdown.toil.base, t.breakdown.ci_tooling.base,
      t.self_managed.base, t.platform_cost, t.value.base].map(cell),
    usage: `${grouped(t.cpu_core_hours)} core-hours and ${grouped(t.mem_gib_hours)} GiB-hours (max of request and usage)`,
    charges: `kubernetes ${grouped(t.kubernetes_cost)}, idle ${grouped(t.idle_cost)}, shared ${grouped(t.shared_cost)}`,
  };
}

/** The HTML lists at most this many teams, so a large organisation's email stays well under 100 KB. */
export const HTML_MAX_TEAMS = 150;

function view(r: ValueReport) {
  const a = r.adoption;
  const onTeams = r.teams.filter((t) => t.uses_kubernetes).map(teamView);
  const keep = a.keep_rate_run_id === null
    ? `n/a (no allocation run for ${a.keep_rate_period})`
    : `${a.teams_still_active} of ${a.teams_active_90d_ago} teams with Kubernetes cost in ${a.keep_rate_period} still have it (${a.keep_rate_pct === 'n/a' ? 'n/a' : `${a.keep_rate_pct}%`})`;
  return {
    title: `Platform value — ${r.period}`,
    period: r.period,
    currency: r.currency,
    runLine: `Allocation run #${r.run_id} of ${r.period}, cost measure ${r.cost_metric}; amounts in ${r.currency}.`,
    headline: r.headline,
    summary: r.summary,
    org: {
      platform: cell(r.organisation.platform_cost),
      selfBase: cell(r.organisation.self_managed.base),
      selfRange: rangeText(r.organisation.self_managed),
      valueBase: cell(r.organisation.value.base),
      valueRange: rangeText(r.organisation.value),
    },
    adoption: [
      { label: 'Teams on the platform’s Kubernetes', value: `${a.teams_on_kubernetes} of ${a.teams_total} (${a.market_share_pct === 'n/a' ? 'n/a' : `${a.market_share_pct}%`})` },
      { label: `Keep rate since ${a.keep_rate_period}`, value: keep },
      { label: 'Spend allocated to teams', value: `${a.allocated_pct}%` },
    ],
    teams: r.teams.map(teamView),
    onTeams,
    htmlTeams: onTeams.slice(0, HTML_MAX_TEAMS),
    htmlMore: Math.max(0, onTeams.length - HTML_MAX_TEAMS),
    offTeams: r.teams.filter((t) => !t.uses_kubernetes).map(teamView),
    method: r.method,
    inputs: r.inputs,
  };
}

export function renderValueMarkdown(r: ValueReport): string {
  return template('value.md.hbs')(view(r));
}

export function renderValueHtml(r: ValueReport): string {
  return template('value.html.hbs')(view(r));
}
