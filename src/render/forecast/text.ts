// A team's forecast as plain text lines (the terminal, the alerts' text part).
import type { TeamForecast } from '../../model/forecast/types.ts';
import { formatMoney } from '../../util/decimal.ts';
import { periodLabel } from '../../util/period.ts';

const WHY: Record<string, string> = {
  recent: 'the last days, vendors still bill them',
  estimated: 'marked Estimated by the vendor',
  missing: 'no billing data yet',
};

/** "2026-10-21, 2026-10-22 (the last days, …); 2026-10-19 (no billing data yet)". */
export function describeIncomplete(f: TeamForecast): string {
  const groups = new Map<string, string[]>();
  for (const d of f.incomplete_days) groups.set(d.why, [...(groups.get(d.why) ?? []), d.day]);
  return [...groups.entries()].map(([why, days]) => `${days.join(', ')} (${WHY[why] ?? why})`).join('; ');
}

export function forecastLines(f: TeamForecast): string[] {
  const m = (a: string) => formatMoney(a, f.currency, f.decimals);
  const pct = (p: string | null) => (p === null ? '' : ` (${p}% of budget)`);
  const lines = [
    `${f.team.name} (${f.team.id}): ${periodLabel(f.period)}, as of ${f.as_of}, run #${f.run_id}, in ${f.currency}`,
    f.budget ? `  Budget:        ${m(f.budget.amount)} (${f.budget.source})` : '  Budget:        none set',
    `  Cost to date:  ${m(f.mtd)}${pct(f.mtd_percent)}`,
    `  Forecast:      ${m(f.forecast)}${pct(f.forecast_percent)}, likely between ${m(f.low)} and ${m(f.high)}; ${f.days_left} day${f.days_left === 1 ? '' : 's'} to come`,
  ];
  if (f.forecast_variance !== null) {
    const over = !f.forecast_variance.startsWith('-');
    lines.push(`  Variance:      forecast ${m(f.forecast_variance.replace(/^-/, ''))} ${over ? 'over' : 'under'} the budget`);
  }
  if (f.incomplete_days.length) lines.push(`  Not final yet: ${describeIncomplete(f)}; projected, not read as zero`);
  for (const o of f.other_currencies) lines.push(`  Also ${formatMoney(o.mtd, o.currency)} to date in ${o.currency}, not in these figures`);
  return lines;
}

/** The per-charge-type table: header and rows of cells. */
export function chargeTypeTable(f: TeamForecast): { head: string[]; rows: string[][] } {
  const m = (a: string | null) => (a === null ? '-' : formatMoney(a, f.currency, f.decimals));
  return {
    head: ['charge type', 'to date', 'of which one-off', 'forecast', 'low', 'high', 'budget', 'projected from'],
    rows: f.by_charge_type.map((c) => [c.charge_type, m(c.mtd), m(c.one_off), m(c.forecast), m(c.low), m(c.high), m(c.budget), c.method]),
  };
}
