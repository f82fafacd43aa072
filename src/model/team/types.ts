// The team showback/chargeback report: one typed DTO per (period, team), built
// from a stored allocation run with SQL only. Money is a decimal string with
// the currency's decimals everywhere in it ("12345.67", "-3.00").
//
// Which run: a closed period's closed run, else the period's latest run; the
// same rule picks last month's run and each month of the six-month trend.
//
// Definitions (also printed in the email's footnotes):
// - CPU efficiency = Σ cpu usage core-hours ÷ Σ cpu request core-hours of the
//   namespace in the period (namespace_stats); memory likewise in GiB-hours.
//   Over 100% means pods used more than they requested. With no usage samples
//   (has_usage_data false) it is not computed: "no usage data".
// - Saving if requests matched usage, per namespace and resource r ∈ {cpu, mem}:
//     C_r × (charged_r − usage_r) ÷ max(K_r, ΣU_r)
//   where charged_r = Σ max(request, usage) is what the namespace is charged on
//   (Step 2 of the contract), C_r the cluster's CPU or memory cost and
//   max(K_r, ΣU_r) the divisor Step 2 used. It equals the namespace's r-cost ×
//   (1 − usage_r ÷ charged_r): the part of its charge that pays for requested
//   but unused capacity. It is an estimate of the namespace's own charge only:
//   the cluster bill falls only when nodes are removed; until then that
//   capacity shows up as idle. Not computed without usage data.
// - Daily cost: direct cost by the charge day of the team's own line items;
//   kubernetes and idle cost of a cluster spread over days in proportion to the
//   daily cost of that cluster's pool (its line items by charge day); shared
//   cost spread by the daily cost of the pool's own line items; a component
//   whose source has no dated cost is spread evenly over the month.
//   Adjustments of closed periods are not spread (they are not of this month).
//   Daily amounts are rounded per day, so they sum to the totals ± rounding.

import type { BudgetLine } from '../budgets/report.ts';

export const CHARGE_TYPES = ['direct', 'kubernetes', 'idle', 'shared', 'adjustment'] as const;
export type ChargeType = (typeof CHARGE_TYPES)[number];

export interface AmountChange {
  /** Last month's amount, or null when there was none ("new"). */
  previous: string | null;
  /** This month − last month; null when new. */
  amount: string | null;
  /** Change in % of |last month| with one decimal ("4.2", "-12.0"); null when new or last month was 0. */
  percent: string | null;
  is_new: boolean;
}

export interface ServiceLine {
  charge_type: string;
  service: string;
  currency: string;
  /** The rounded amount, exactly as in the chargeback CSV. */
  amount: string;
  line_items: string;
  /** Same (charge type, service, currency) last month; null if none. */
  previous: string | null;
}

export interface NamespaceLine {
  cluster: string;
  namespace: string;
  /** Namespace cost (charge type kubernetes), rounded. */
  cost: string;
  /** The idle it carries (charge type idle), rounded. */
  idle: string;
  total: string;
  has_usage_data: boolean;
  cpu_request_core_hours: string;
  cpu_usage_core_hours: string;
  mem_request_gib_hours: string;
  mem_usage_gib_hours: string;
  /** usage ÷ request in %, one decimal; null without usage data or requests. */
  cpu_efficiency: string | null;
  mem_efficiency: string | null;
  /** Estimated saving if requests matched usage (see the definition above); null without usage data. */
  saving: string | null;
}

export interface Mover {
  kind: 'service' | 'namespace';
  /** Service name, or "namespace in cluster". */
  name: string;
  current: string;
  previous: string;
  change: string;
  /** null when last month was 0. */
  percent: string | null;
}

export interface HygieneUnknownTag {
  account: string;
  /** The tag as found, e.g. "team=paymnts". */
  tag: string;
  amount: string;
  line_items: string;
}

export interface HygieneNamespace {
  cluster: string;
  namespace: string;
  amount: string;
  reason: string;
}

export interface HygieneAccountOnly {
  account: string;
  service: string;
  amount: string;
  line_items: string;
}

export interface Hygiene {
  /** The tag key and namespace label Allot reads first: what to set. */
  tag_key: string;
  label_key: string;
  /** Unallocated: line items in the team's own accounts whose team tag named no known team. */
  unknown_tags: { total: string; line_items: string; items: HygieneUnknownTag[]; fix: string };
  /** Unallocated: namespaces with no owner whose name contains the team id or an alias. */
  unowned_namespaces: { total: string; items: HygieneNamespace[]; fix: string; command: string };
  /** The team's own cost that reached it only through account ownership (no team tag). */
  account_only: { total: string; line_items: string; items: HygieneAccountOnly[]; fix: string };
  /** True when nothing needs fixing. */
  clean: boolean;
  /** The run whose per-line-item ownership was read (the period's latest with it). */
  owners_run_id: number | null;
}

export interface WhyPart {
  /** "tag team=payments", "Kubernetes namespaces payments-api, payments-batch in prod-eu", "shared Platform overhead (proportional)". */
  label: string;
  amount: string;
  /** Share in % (integer) of the sum of absolute parts. */
  percent: string;
}

export interface DailyPoint {
  /** YYYY-MM-DD */
  day: string;
  charge_type: string;
  amount: string;
}

export interface TrendPoint {
  period: string;
  run_id: number | null;
  /** null: no run for that month. */
  amount: string | null;
}

/** The team’s slice of the platform review (src/model/value): the capabilities it used, never another team. */
export interface PlatformValueLine {
  currency: string;
  period: string;
  /** Capabilities the team is eligible for. */
  capabilities_total: number;
  /** The ones it used in the period, with what it was charged through each and what running it alone would have cost. */
  used: {
    name: string;
    platform_cost: string;
    self_managed: { low: string; base: string; high: string };
    value: { low: string; base: string; high: string };
    note: string;
  }[];
  /** Σ over `used`. */
  platform_cost: string;
  self_managed: { low: string; base: string; high: string };
  value: { low: string; base: string; high: string };
}

export interface TeamReport {
  period: string;
  period_label: string;
  run_id: number;
  closed: boolean;
  /** Whether these numbers are final: closed for finance and tied to the invoices. */
  status: ReportStatus;
  cost_metric: string;
  team: { id: string; name: string; mode: 'chargeback' | 'showback'; cost_center: string; gl_account: string; emails: string[] };
  /** The team's main currency (largest absolute total); every section below is in it unless it says otherwise. */
  currency: string;
  decimals: number;
  total: string;
  /** Totals in other currencies, if the team has any (they are in `lines` too). */
  other_currencies: { currency: string; amount: string }[];
  previous_period: string;
  previous_period_label: string;
  previous_run_id: number | null;
  change: AmountChange;
  by_charge_type: { charge_type: ChargeType; amount: string; previous: string | null }[];
  /** The team's chargeback rows (all currencies), largest first: the split by service. */
  lines: ServiceLine[];
  namespaces: NamespaceLine[];
  /** Σ saving over namespaces with usage data. */
  saving_total: string;
  movers: Mover[];
  hygiene: Hygiene;
  /** For chargeback teams: where the amount is booked. */
  chargeback: { cost_center: string; gl_account: string } | null;
  why: WhyPart[];
  daily: DailyPoint[];
  trend: TrendPoint[];
  platform_value?: PlatformValueLine;
  /** Budget against actual, this month and over the trend's six months; absent when the team has no budget. */
  budget?: BudgetLine;
}

/** `final`: closed and tied out; `closed`: closed without a tie-out; `provisional`: not closed yet. */
export interface ReportStatus {
  kind: 'final' | 'closed' | 'provisional';
  text: string;
}
