// From the report model to what the templates print: every string formatted
// here, so the Handlebars templates only place values (and escape them).
import { sumDecimals, subtractDecimal } from '../../util/decimal.ts';
import { TYPE_COLORS, type Chart } from './charts.ts';
import { cellSafe, formatMoney, formatPercentChange, formatSignedMoney, isNegative, isZero, oneLine, periodShort } from './format.ts';
import type { TeamReport } from '../../model/team/types.ts';
import { budgetView, type BudgetView } from './budget-view.ts';

/** Rows of the service table shown before the rest is summed into one line. */
export const MAX_LINES = 30;

export interface ChartView {
  src: string;
  alt: string;
  title: string;
  width: number;
  height: number;
}

export interface TeamView {
  subject: string;
  preheader: string;
  team_name: string;
  team_id: string;
  period: string;
  period_label: string;
  previous_period_label: string;
  run_id: number;
  closed: boolean;
  /** FINAL, CLOSED or PROVISIONAL, and the sentence that says what it means. */
  status_label: string;
  status_text: string;
  status_color: string;
  cost_metric: string;
  total: string;
  change: string;
  change_color: string;
  other_currencies: string | null;
  chargeback: { cost_center: string; gl_account: string; line: string } | null;
  platform_value: string | null;
  budget: BudgetView | null;
  charts: { daily: ChartView; types: ChartView; trend: ChartView };
  types: { label: string; amount: string; previous: string; color: string }[];
  has_previous: boolean;
  lines: { service: string; type: string; amount: string; previous: string; change: string }[];
  lines_more: string | null;
  namespaces: { name: string; cluster: string; cost: string; idle: string; total: string; cpu: string; mem: string; saving: string; no_usage: boolean }[];
  saving_total: string;
  movers: { kind: string; name: string; change: string; percent: string; current: string; previous: string; color: string }[];
  hygiene: {
    clean: boolean;
    unknown_tags: { total: string; items: { account: string; tag: string; amount: string; line_items: string }[]; fix: string } | null;
    unowned_namespaces: { total: string; items: { cluster: string; namespace: string; amount: string; reason: string }[]; fix: string; command: string } | null;
    account_only: { total: string; items: { account: string; service: string; amount: string; line_items: string }[]; more: string | null; fix: string } | null;
  };
  why: { label: string; amount: string; percent: string }[];
  explain_command: string;
  definitions: { efficiency: string; saving: string; daily: string };
  /** Pre-formatted fixed-width tables for the plain-text part. */
  text: { types: string; lines: string; namespaces: string; movers: string; why: string; unknown_tags: string; unowned_namespaces: string; account_only: string };
}

const plural = (n: string, what: string) => `${n} ${what}${n === '1' ? '' : 's'}`;

const RED = '#b42318';
const GREEN = '#067647';
const GREY = '#555555';

export function teamView(r: TeamReport, charts: Chart[], src: (c: Chart) => string): TeamView {
  const m = (a: string) => formatMoney(a, r.currency, r.decimals);
  const sm = (a: string) => formatSignedMoney(a, r.currency, r.decimals);
  const prevLabel = r.previous_period_label;
  const chart = (name: Chart['name']): ChartView => {
    const c = charts.find((x) => x.name === name);
    if (!c) throw new Error(`chart ${name} missing`);
    return { src: src(c), alt: c.alt, title: c.title, width: c.width, height: c.height };
  };

  let change: string;
  let changeColor = GREY;
  if (r.change.is_new) {
    change = r.previous_run_id === null ? `no figures for ${prevLabel} to compare with` : `new: no cost in ${prevLabel}`;
  } else {
    const pct = r.change.percent === null ? '' : ` (${formatPercentChange(r.change.percent)})`;
    change = `${sm(r.change.amount!)}${pct} vs ${prevLabel} (${m(r.change.previous!)})`;
    changeColor = isZero(r.change.amount!) ? GREY : isNegative(r.change.amount!) ? GREEN : RED;
  }
  const pctShort = r.change.is_new ? 'new' : formatPercentChange(r.change.percent);
  const name = oneLine(r.team.name);
  const subject = `[Allot] ${name} — cloud cost for ${r.period_label}: ${m(r.total)} (${pctShort})`;

  const shown = r.lines.slice(0, MAX_LINES);
  const rest = r.lines.slice(MAX_LINES);
  const lines = shown.map((l) => {
    const fmt = (a: string) => formatMoney(a, l.currency, r.decimals);
    return {
      service: cellSafe(oneLine(l.service)),
      type: l.charge_type,
      amount: fmt(l.amount),
      previous: l.previous === null ? '–' : fmt(l.previous),
      change: l.previous === null ? 'new' : formatSignedMoney(subtractDecimal(l.amount, l.previous, r.decimals), l.currency, r.decimals),
    };
  });
  const restMain = rest.filter((l) => l.currency === r.currency);
  const linesMore = rest.length
    ? `and ${rest.length} smaller line${rest.length === 1 ? '' : 's'}` +
      (restMain.length ? ` (${m(sumDecimals(restMain.map((l) => l.amount), r.decimals))})` : '') +
      ': see the chargeback CSV'
    : null;

  const effText = (e: string | null, hasUsage: boolean) => (!hasUsage ? 'no usage data' : e === null ? '–' : `${e}%`);
  const namespaces = r.namespaces.map((n) => ({
    name: oneLine(n.namespace),
    cluster: oneLine(n.cluster),
    cost: m(n.cost),
    idle: m(n.idle),
    total: m(n.total),
    cpu: effText(n.cpu_efficiency, n.has_usage_data),
    mem: effText(n.mem_efficiency, n.has_usage_data),
    saving: n.saving === null ? '–' : m(n.saving),
    no_usage: !n.has_usage_data,
  }));

  const movers = r.movers.map((mv) => ({
    kind: mv.kind,
    name: cellSafe(oneLine(mv.name)),
    change: sm(mv.change),
    percent: mv.percent === null ? 'new' : formatPercentChange(mv.percent),
    current: m(mv.current),
    previous: m(mv.previous),
    color: isNegative(mv.change) ? GREEN : RED,
  }));

  const h = r.hygiene;
  const acctShown = h.account_only.items.slice(0, 10);
  const hygiene: TeamView['hygiene'] = {
    clean: h.clean,
    unknown_tags: h.unknown_tags.items.length
      ? {
          total: m(h.unknown_tags.total),
          items: h.unknown_tags.items.slice(0, 10).map((u) => ({ account: oneLine(u.account), tag: cellSafe(oneLine(u.tag)), amount: m(u.amount), line_items: plural(u.line_items, 'line item') })),
          fix: h.unknown_tags.fix,
        }
      : null,
    unowned_namespaces: h.unowned_namespaces.items.length
      ? {
          total: m(h.unowned_namespaces.total),
          items: h.unowned_namespaces.items.slice(0, 10).map((n) => ({ cluster: oneLine(n.cluster), namespace: oneLine(n.namespace), amount: m(n.amount), reason: oneLine(n.reason) })),
          fix: h.unowned_namespaces.fix,
          command: h.unowned_namespaces.command,
        }
      : null,
    account_only: h.account_only.items.length
      ? {
          total: m(h.account_only.total),
          items: acctShown.map((a) => ({ account: oneLine(a.account), service: cellSafe(oneLine(a.service)), amount: m(a.amount), line_items: a.line_items })),
          more: h.account_only.items.length > acctShown.length ? `and ${h.account_only.items.length - acctShown.length} more services` : null,
          fix: h.account_only.fix,
        }
      : null,
  };

  const why = r.why.map((w) => ({ label: oneLine(w.label), amount: m(w.amount), percent: `${w.percent}%` }));
  const types = r.by_charge_type.map((t) => ({
    label: t.charge_type,
    amount: m(t.amount),
    previous: t.previous === null ? '–' : m(t.previous),
    color: TYPE_COLORS[t.charge_type] ?? GREY,
  }));

  const pv = r.platform_value;
  let platformValue: string | null = null;
  if (pv && pv.used.length > 0) {
    const vm = (a: string) => formatMoney(a, pv.currency, r.decimals);
    const range = (x: { low: string; base: string; high: string }) => `${vm(x.base)} (${vm(x.low)} to ${vm(x.high)})`;
    const each = pv.used.map((u) => `${u.name}: charged ${vm(u.platform_cost)}, on your own about ${range(u.self_managed)}`);
    platformValue =
      `Platform value: you used ${pv.used.length} of ${pv.capabilities_total} platform capabilities in ${r.period_label} — ${each.join('; ')}. ` +
      (isNegative(pv.value.base)
        ? `On the base estimate, running them yourselves would have cost ${vm(pv.value.base.slice(1))} less than the platform charged.`
        : `${pv.used.length > 1 ? 'Together a' : 'A'} saving of about ${range(pv.value)}.`);
    const notes = pv.used.filter((u) => u.note).map((u) => `${u.name}: ${u.note}`);
    if (notes.length) platformValue += ` ${oneLine(notes.join(' '))}`;
  }

  const explain = `allot explain --period ${r.period} --team ${r.team.id}`;
  const view: Omit<TeamView, 'text'> = {
    subject,
    preheader: `${m(r.total)} in ${r.period_label}; ${change}.`,
    team_name: name,
    team_id: r.team.id,
    period: r.period,
    period_label: r.period_label,
    previous_period_label: prevLabel,
    run_id: r.run_id,
    closed: r.closed,
    status_label: r.status.kind.toUpperCase(),
    status_text: r.status.text,
    status_color: r.status.kind === 'final' ? '#027a48' : r.status.kind === 'closed' ? '#475467' : '#b54708',
    cost_metric: r.cost_metric,
    total: m(r.total),
    change,
    change_color: changeColor,
    other_currencies: r.other_currencies.length
      ? `Also ${r.other_currencies.map((o) => formatMoney(o.amount, o.currency, r.decimals)).join(', ')} in other currencies (listed by service below).`
      : null,
    chargeback: r.chargeback
      ? {
          ...r.chargeback,
          line: `This amount will be charged to cost center ${oneLine(r.chargeback.cost_center)}, GL account ${oneLine(r.chargeback.gl_account)}.`,
        }
      : null,
    platform_value: platformValue,
    budget: budgetView(r),
    charts: { daily: chart('daily'), types: chart('types'), trend: chart('trend') },
    types,
    has_previous: r.previous_run_id !== null,
    lines,
    lines_more: linesMore,
    namespaces,
    saving_total: m(r.saving_total),
    movers,
    hygiene,
    why,
    explain_command: explain,
    definitions: {
      efficiency: 'Efficiency is usage ÷ request over the month (core-hours for CPU, GiB-hours for memory); over 100% means pods used more than they asked for.',
      saving:
        'Saving if requests matched usage: for CPU and memory, the namespace\'s cost of that resource × (1 − usage ÷ what it was charged on, the larger of request and usage). ' +
        'It is the part of the charge that pays for requested but unused capacity; the cluster bill falls only when nodes are removed, until then that capacity shows as idle.',
      daily:
        'Daily cost: direct cost by charge day; Kubernetes, idle and shared cost spread over the days in proportion to the daily cost of the cluster or pool they come from ' +
        '(evenly when it has none). Adjustments of closed months are not shown per day.',
    },
  };
  return { ...view, text: textTables(view, r) };
}

/** A fixed-width table: columns padded, right-aligned where asked. */
export function textTable(head: string[], rows: string[][], right: number[] = []): string {
  const all = [head, ...rows];
  const widths = head.map((_, i) => Math.max(...all.map((r) => [...(r[i] ?? '')].length)));
  const fmt = (r: string[]) =>
    r
      .map((c, i) => {
        const pad = ' '.repeat(Math.max(0, widths[i]! - [...c].length));
        return right.includes(i) ? pad + c : c + pad;
      })
      .join('  ')
      .trimEnd();
  return [fmt(head), fmt(head.map((_, i) => '-'.repeat(widths[i]!))), ...rows.map(fmt)].join('\n');
}

function textTables(v: Omit<TeamView, 'text'>, r: TeamReport): TeamView['text'] {
  const types = textTable(
    v.has_previous ? ['charge type', 'amount', periodShort(r.previous_period)] : ['charge type', 'amount'],
    v.types.map((t) => (v.has_previous ? [t.label, t.amount, t.previous] : [t.label, t.amount])),
    [1, 2],
  );
  const lines =
    textTable(
      ['service', 'type', 'amount', periodShort(r.previous_period), 'change'],
      v.lines.map((l) => [l.service, l.type, l.amount, l.previous, l.change]),
      [2, 3, 4],
    ) + (v.lines_more ? `\n${v.lines_more}` : '');
  const namespaces = textTable(
    ['namespace', 'cluster', 'cost', 'idle', 'CPU eff.', 'mem eff.', 'saving'],
    v.namespaces.map((n) => [n.name, n.cluster, n.cost, n.idle, n.cpu, n.mem, n.saving]),
    [2, 3, 4, 5, 6],
  );
  const movers = textTable(
    ['', 'name', 'change', '%', 'now', 'before'],
    v.movers.map((mv) => [mv.kind, mv.name, mv.change, mv.percent, mv.current, mv.previous]),
    [2, 3, 4, 5],
  );
  const why = textTable(['share', 'amount', 'basis'], v.why.map((w) => [w.percent, w.amount, w.label]), [0, 1]);
  const h = v.hygiene;
  return {
    types,
    lines,
    namespaces,
    movers,
    why,
    unknown_tags: h.unknown_tags ? textTable(['account', 'tag', 'amount', 'line items'], h.unknown_tags.items.map((u) => [u.account, u.tag, u.amount, u.line_items]), [2, 3]) : '',
    unowned_namespaces: h.unowned_namespaces
      ? textTable(['namespace', 'cluster', 'amount', 'why'], h.unowned_namespaces.items.map((n) => [n.namespace, n.cluster, n.amount, n.reason]), [2])
      : '',
    account_only: h.account_only
      ? textTable(['account', 'service', 'amount', 'items'], h.account_only.items.map((a) => [a.account, a.service, a.amount, a.line_items]), [2, 3]) +
        (h.account_only.more ? `\n${h.account_only.more}` : '')
      : '',
  };
}
