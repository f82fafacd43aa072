// Budget and spend alerts for the open month (see ./detect.ts for when each fires).
// Money is decimal text with the team's currency decimals.

export type AlertKind = 'forecast' | 'mtd' | 'anomaly';

export interface Behind {
  kind: 'line items' | 'namespace';
  label: string;
  amount: string;
  line_items: string | null;
}

interface AlertBase {
  /** Once per (team, period, key): "forecast:80", "mtd:100", "anomaly:2026-10-14:Amazon EC2". */
  key: string;
  period: string;
  run_id: number;
  as_of: string;
  team: { id: string; name: string };
  currency: string;
  decimals: number;
  /** The largest things behind it. */
  behind: Behind[];
  /** How to look closer. */
  explain: string;
}

export interface ForecastAlert extends AlertBase {
  kind: 'forecast';
  /** % of the budget. */
  threshold: number;
  budget: string;
  budget_source: string;
  /** budget × threshold %. */
  threshold_amount: string;
  forecast: string;
  low: string;
  high: string;
  percent: string;
  mtd: string;
  /** The forecast has been at or over the threshold since the forecast made on this day (YYYY-MM-DD). */
  since: string;
}

export interface MtdAlert extends AlertBase {
  kind: 'mtd';
  threshold: 100;
  budget: string;
  budget_source: string;
  mtd: string;
  percent: string;
  /** mtd − budget. */
  over_by: string;
  /** The day whose cost took the month over the budget (YYYY-MM-DD). */
  since: string;
}

export interface AnomalyAlert extends AlertBase {
  kind: 'anomaly';
  day: string;
  service: string;
  charge_types: string[];
  /** The day's usage cost, its typical day (the median of the days before) and the difference. */
  amount: string;
  typical: string;
  excess: string;
  /** The median absolute deviation of those days, and how many there were (from, to). */
  mad: string;
  history: { days: number; from: string; to: string };
}

export type Alert = ForecastAlert | MtdAlert | AnomalyAlert;
