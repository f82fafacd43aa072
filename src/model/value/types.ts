// The platform review: per platform capability, what reached each team
// because of it, what running it alone would have cost, and adoption over
// time (built by ./build.ts).
import type { AdoptionMonth } from './adoption.ts';
import type { CapabilityPart } from './capability-cost.ts';

export type { AdoptionMonth } from './adoption.ts';
export type { CapabilityPart } from './capability-cost.ts';

/** Decimal strings with 2 decimals. */
export interface Range {
  low: string;
  base: string;
  high: string;
}

export interface ValueInput {
  name: string;
  low: string;
  base: string;
  high: string;
  unit: string;
  source: string;
}

export interface CapabilityTeam {
  team_id: string;
  team_name: string;
  /** Used the capability in the period (see the method); only users get a self-managed estimate and a value. */
  uses: boolean;
  /** What reached the team because of the capability: the parts below, 2 decimals. */
  platform_cost: string;
  /** platform_cost by charge type (direct, kubernetes, idle, shared); shared is only the part that came from the capability. */
  by_charge_type: { charge_type: string; amount: string }[];
  parts: CapabilityPart[];
  /** Kubernetes model only: Σ max(request, usage) of the team's namespaces the capability covers, 2 decimals. */
  cpu_core_hours: string | null;
  mem_gib_hours: string | null;
  components: { name: string; range: Range }[];
  self_managed: Range;
  /** self_managed − platform_cost; negative when running it alone would have been cheaper. 0 for a team not using it. */
  value: Range;
  note: string;
}

export interface CapabilityTrendPoint {
  period: string;
  run_id: number | null;
  /** null: no run for the month. */
  spend: string | null;
  value: Range | null;
}

export interface CapabilityValue {
  id: string;
  name: string;
  model: 'kubernetes' | 'items';
  /** The usage entries in words. */
  usage: string[];
  eligible: { team_id: string; team_name: string }[];
  /** Users first (largest base value first), then teams that did not use it but received part of its cost. */
  teams: CapabilityTeam[];
  /** Σ platform cost of every team, users or not. */
  platform_cost: string;
  /** The part of platform_cost that reached teams not using the capability (e.g. cluster overhead in a shared pool). */
  platform_cost_non_users: string;
  /** Σ users' self-managed estimates. */
  self_managed: Range;
  /** self_managed − platform_cost (all of it: the organisation pays for the capability either way). */
  value: Range;
  /** The period's adoption (the last of `adoption`). */
  current: AdoptionMonth;
  /** Oldest first, ending with the period. */
  adoption: AdoptionMonth[];
  trend: CapabilityTrendPoint[];
  inputs: ValueInput[];
}

export interface TeamSummary {
  team_id: string;
  team_name: string;
  /** Capabilities it used, by name. */
  uses: string[];
  platform_cost: string;
  value: Range;
  /** Its shared charges that belong to no capability. */
  shared_outside: string;
}

export interface SharedOutside {
  pool: string;
  service: string;
  amount: string;
  teams: number;
}

export interface NpsQuarter {
  quarter: string;
  responses: number;
  promoters: number;
  passives: number;
  detractors: number;
  /** % promoters − % detractors, whole number, e.g. "33" or "-20". */
  nps: string;
}

export interface OnboardingQuarter {
  quarter: string;
  samples: number;
  /** Hours to first production deploy, 1 decimal. */
  median_hours: string;
}

export interface ValueReport {
  period: string;
  run_id: number;
  currency: string;
  cost_metric: string;
  hours_in_period: number;
  price_source: 'list_prices' | 'config';
  /** Currencies in the run other than `currency`; their charges are left out. */
  excluded_currencies: string[];
  /** True when no `capabilities:` is configured and one Kubernetes capability was derived from `clusters:`. */
  capabilities_derived: boolean;
  capabilities: CapabilityValue[];
  teams: TeamSummary[];
  organisation: {
    /** Σ over capabilities (a charge two capabilities both match is counted in each). */
    platform_cost: string;
    self_managed: Range;
    value: Range;
  };
  /** Shared charges of the run that no capability matched (tax, security…), per pool. */
  shared_outside: SharedOutside[];
  shared_outside_total: string;
  /** Every team's shared charges in the run. */
  shared_total: string;
  /** "not measured" figures are null. */
  survey: { nps: NpsQuarter[] | null; onboarding: OnboardingQuarter[] | null };
  allocated_pct: string;
  inputs: ValueInput[];
  method: string[];
  /** One sentence for a review; each number's words say what it contains. */
  headline: string;
  summary: string;
}
