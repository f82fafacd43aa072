// The platform value report: what the platform saved each team compared with
// running Kubernetes themselves (built by ./build.ts).

/** Decimal strings with 2 decimals. */
export interface Range {
  low: string;
  base: string;
  high: string;
}

export interface TeamValue {
  team_id: string;
  team_name: string;
  currency: string;
  /** kubernetes + idle + shared charges of the run, for a team on the platform’s Kubernetes; else 0. */
  platform_cost: string;
  uses_kubernetes: boolean;
  /** Σ max(request, usage) of the team’s namespaces, 2 decimals. */
  cpu_core_hours: string;
  mem_gib_hours: string;
  self_managed: Range;
  /** self_managed − platform_cost; negative when running it alone would have been cheaper. */
  value: Range;
  breakdown: { compute: Range; control_plane: Range; toil: Range; ci_tooling: Range };
  // Allot additions
  /** The team’s charges of the run by charge type (shared is shown even when not counted). */
  kubernetes_cost: string;
  idle_cost: string;
  shared_cost: string;
  /** One plain sentence for the reader, or '' ("not on the platform’s Kubernetes", a negative value...). */
  note: string;
}

export interface ValueInput {
  name: string;
  low: string;
  base: string;
  high: string;
  unit: string;
  source: string;
}

export interface ValueReport {
  period: string;
  run_id: number;
  currency: string;
  teams: TeamValue[];
  organisation: { platform_cost: string; self_managed: Range; value: Range };
  adoption: {
    teams_total: number;
    teams_on_kubernetes: number;
    market_share_pct: string;
    teams_active_90d_ago: number;
    teams_still_active: number;
    /** "n/a" when no team had Kubernetes cost in the earlier period (or it has no run). */
    keep_rate_pct: string;
    allocated_pct: string;
    // Allot additions
    /** The period the keep rate looks back to, and its latest run (null: none). */
    keep_rate_period: string;
    keep_rate_run_id: number | null;
  };
  inputs: ValueInput[];
  method: string[];
  // Allot additions
  /** One sentence for a review or an email subject line. */
  headline: string;
  /** The value (savings) sentence that follows the headline, honest about its sign. */
  summary: string;
  cost_metric: string;
  hours_in_period: number;
  price_source: 'list_prices' | 'config';
  /** Currencies in the run other than `currency`; their charges are left out. */
  excluded_currencies: string[];
  /** Kubernetes cost of the run no team owns (unallocated); in no team’s platform cost. */
  unallocated_kubernetes_cost: string;
}
