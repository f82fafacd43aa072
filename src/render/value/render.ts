import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';
import { grouped, isNegative, markdownText } from './format.ts';
import type { ValueChart } from './charts.ts';
import type { AdoptionMonth, CapabilityTeam, CapabilityValue, Range, ValueReport } from '../../model/value/types.ts';

// Renders a ValueReport through reports/value/*.hbs. The HTML template only
// places pre-formatted strings through {{ }} (HTML-escaped), never triple
// braces, so a team name or a config source cannot inject markup. The
// Markdown template is compiled without HTML escaping: every text in it goes
// through {{md …}}, which escapes it as Markdown.

const TEMPLATES = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'reports', 'value');

// Own instances: helpers registered here do not leak into other reports.
const html = Handlebars.create();
const md = Handlebars.create();
md.registerHelper('md', (s: unknown) => markdownText(String(s ?? '')));

const compiled = new Map<string, HandlebarsTemplateDelegate>();
function template(name: string): HandlebarsTemplateDelegate {
  let t = compiled.get(name);
  if (!t) {
    const markdown = name.endsWith('.md.hbs');
    t = (markdown ? md : html).compile(readFileSync(join(TEMPLATES, name), 'utf8'), { strict: true, noEscape: markdown });
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
const pct = (p: string) => (p === 'n/a' ? 'n/a' : `${p}%`);
const list = (xs: string[]) => (xs.length ? xs.join(', ') : '–');

/** The HTML lists at most this many using teams over all capabilities (split evenly), so a large organisation's review stays under 100 KB. */
export const HTML_MAX_TEAMS = 90;

function adoptionRow(a: AdoptionMonth, c: CapabilityValue, names: Map<string, string>) {
  const t = c.trend.find((x) => x.period === a.period);
  const n = (ids: string[]) => list(ids.map((id) => names.get(id) ?? id));
  return {
    period: a.period,
    noRun: a.run_id === null,
    users: a.run_id === null ? 'no run' : `${a.users} of ${a.eligible}`,
    share: a.run_id === null ? '' : pct(a.market_share_pct),
    newAdopters: a.run_id === null ? '' : a.first_on_record ? 'first month on record' : n(a.new_adopters),
    returned: a.run_id === null ? '' : n(a.returned),
    stopped: a.run_id === null ? '' : n(a.stopped),
    keep: a.run_id === null ? '' : a.keep_base === 0 ? 'n/a' : `${a.kept} of ${a.keep_base} (${pct(a.keep_rate_pct)})`,
    spend: t?.spend == null ? '' : grouped(t.spend),
    value: t?.value == null ? '' : grouped(t.value.base),
    valueRange: t?.value == null ? '' : rangeText(t.value),
  };
}

function teamRow(t: CapabilityTeam) {
  return {
    id: t.team_id,
    name: t.team_name,
    uses: t.uses,
    platform: cell(t.platform_cost),
    contents: t.by_charge_type.map((b) => `${b.charge_type} ${grouped(b.amount)}`).join(', ') || 'none',
    hours: t.cpu_core_hours === null ? '' : `${grouped(t.cpu_core_hours ?? '0')} core-h, ${grouped(t.mem_gib_hours ?? '0')} GiB-h`,
    selfBase: cell(t.self_managed.base),
    selfRange: rangeText(t.self_managed),
    valueBase: cell(t.value.base),
    valueRange: rangeText(t.value),
    components: t.components.map((c) => ({ name: c.name, low: grouped(c.range.low), base: grouped(c.range.base), high: grouped(c.range.high) })),
    note: t.note,
  };
}

function view(r: ValueReport, charts: ValueChart[]) {
  const perCapability = Math.floor(HTML_MAX_TEAMS / Math.max(1, r.capabilities.length));
  const names = new Map(r.teams.map((t) => [t.team_id, t.team_name]));
  const capabilities = r.capabilities.map((c) => {
    const a = c.current;
    const teams = c.teams.map(teamRow);
    const users = teams.filter((t) => t.uses);
    return {
      id: c.id,
      name: c.name,
      model: c.model === 'kubernetes' ? 'the Kubernetes model of value_model' : 'its own self-managed items',
      usage: c.usage.join('; or '),
      eligible: c.eligible.length === r.teams.length ? `all ${c.eligible.length} teams` : `${c.eligible.length} teams: ${c.eligible.map((e) => e.team_name).join(', ')}`,
      platform: cell(c.platform_cost),
      nonUsers: cell(c.platform_cost_non_users),
      selfBase: cell(c.self_managed.base),
      selfRange: rangeText(c.self_managed),
      valueBase: cell(c.value.base),
      valueRange: rangeText(c.value),
      summary: [
        { label: 'Teams using it', value: `${a.users} of ${a.eligible} eligible (${pct(a.market_share_pct)})` },
        { label: 'New adopters', value: a.first_on_record ? 'n/a (first month on record)' : list(a.new_adopters.map((id) => names.get(id) ?? id)) },
        { label: 'Came back', value: list(a.returned.map((id) => names.get(id) ?? id)) },
        { label: 'Stopped', value: list(a.stopped.map((id) => names.get(id) ?? id)) },
        { label: `Keep rate`, value: a.keep_base === 0 ? 'n/a (no team first used it long enough ago)' : `${a.kept} of ${a.keep_base} teams still use it (${pct(a.keep_rate_pct)})` },
      ],
      adoption: c.adoption.map((x) => adoptionRow(x, c, names)),
      users,
      htmlUsers: users.slice(0, perCapability),
      htmlMore: Math.max(0, users.length - perCapability),
      others: teams.filter((t) => !t.uses),
    };
  });
  const survey = r.survey;
  const npsNow = survey.nps?.[0];
  const onbNow = survey.onboarding?.[0];
  const surveyLine =
    `NPS: ${npsNow ? `${npsNow.nps} in ${npsNow.quarter} (${npsNow.responses} responses)` : 'not measured'}. ` +
    `Onboarding: ${onbNow ? `median ${onbNow.median_hours} hours to first production deploy in ${onbNow.quarter} (${onbNow.samples} samples)` : 'not measured'}.`;
  return {
    surveyLine,
    title: `Platform review — ${r.period}`,
    period: r.period,
    currency: r.currency,
    runLine: `Allocation run #${r.run_id} of ${r.period}, cost measure ${r.cost_metric}; amounts in ${r.currency}; ${r.allocated_pct}% of the run's cost is allocated to teams.`,
    headline: r.headline,
    summary: r.summary,
    org: {
      platform: cell(r.organisation.platform_cost),
      selfBase: cell(r.organisation.self_managed.base),
      selfRange: rangeText(r.organisation.self_managed),
      valueBase: cell(r.organisation.value.base),
      valueRange: rangeText(r.organisation.value),
    },
    capabilities,
    charts: charts.map((c) => ({ title: c.title, alt: c.alt, width: c.width, height: c.height, src: `data:image/png;base64,${c.png.toString('base64')}` })),
    teams: r.teams.map((t) => ({
      id: t.team_id, name: t.team_name, uses: list(t.uses), count: `${t.uses.length} of ${r.capabilities.length}`,
      platform: cell(t.platform_cost), valueBase: cell(t.value.base), valueRange: rangeText(t.value), outside: cell(t.shared_outside),
    })),
    sharedOutside: r.shared_outside.map((s) => ({ name: s.service, pool: s.pool, amount: cell(s.amount), teams: s.teams })),
    sharedOutsideTotal: grouped(r.shared_outside_total),
    nps: survey.nps?.map((q) => ({ ...q, nps: q.nps })) ?? null,
    onboarding: survey.onboarding ?? null,
    method: r.method,
    inputs: r.inputs,
  };
}

export function renderValueMarkdown(r: ValueReport): string {
  return template('value.md.hbs')(view(r, []));
}

/** The HTML review; `charts` (valueCharts) are inlined as data: URIs. */
export function renderValueHtml(r: ValueReport, charts: ValueChart[] = []): string {
  return template('value.html.hbs')(view(r, charts));
}
