// Month-to-date cost and the forecast to month end, per team and charge type,
// from the run that speaks for the period (see ./project.ts for the method).
// Money is decimal text with the team's currency decimals.

export interface ChargeTypeForecast {
  charge_type: string;
  /** Cost to date: as attributed by the run. */
  mtd: string;
  /** Of which one-off charges (fees, purchases, tax, credits), carried as they are. */
  one_off: string;
  forecast: string;
  low: string;
  high: string;
  /** The charge type's own budget, if one is set. */
  budget: string | null;
  method: string;
}

export interface IncompleteDay {
  /** YYYY-MM-DD */
  day: string;
  /** recent: the last days, vendors still bill them; estimated: marked Estimated by the vendor; missing: no data yet. */
  why: 'recent' | 'estimated' | 'missing';
}

export interface TeamForecast {
  period: string;
  run_id: number;
  /** The day the forecast is made on (YYYY-MM-DD): days before it are billed. */
  as_of: string;
  team: { id: string; name: string };
  currency: string;
  decimals: number;
  mtd: string;
  forecast: string;
  low: string;
  high: string;
  budget: { amount: string; source: string } | null;
  /** Forecast and cost to date as % of the budget (one decimal); null without a budget. */
  forecast_percent: string | null;
  mtd_percent: string | null;
  /** forecast − budget (positive: over); null without a budget. */
  forecast_variance: string | null;
  by_charge_type: ChargeTypeForecast[];
  incomplete_days: IncompleteDay[];
  /** Days from as_of to month end. */
  days_left: number;
  /** Costs in other currencies than `currency`, not in the figures above. */
  other_currencies: { currency: string; mtd: string }[];
}

/** A team's usage per service and day (for anomalies), exact, index 0 = day 1. */
export interface ServiceDaily {
  service: string;
  charge_types: string[];
  usage: (string | undefined)[];
  /** The month before's usage of the service (history for the first days), if it had a run. */
  prior?: { period: string; usage: (string | undefined)[]; last_data_day: number };
}
