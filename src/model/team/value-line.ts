// The platform value line of a team email, from the value model
// (../value): per platform capability it used, what running it alone would have cost.
import type { Config } from '../../config/schema.ts';
import type { Store } from '../../store/db.ts';
import { sumDecimals } from '../../util/decimal.ts';
import { AllotError } from '../../util/errors.ts';
import type { Period } from '../../util/period.ts';
import { buildValueReport } from '../value/build.ts';
import type { PlatformValueLine } from './types.ts';

/** Every team's value line for a period, computed once for a batch of emails (same run as the email, see periodRunId). */
export async function platformValueLines(store: Store, config: Config, period: Period): Promise<Map<string, PlatformValueLine>> {
  const report = await buildValueReport(store, config, period);
  return new Map(
    report.teams.map((t) => {
      const used = report.capabilities.flatMap((c) => {
        const mine = c.teams.find((x) => x.team_id === t.team_id && x.uses);
        return mine ? [{ name: c.name, platform_cost: mine.platform_cost, self_managed: mine.self_managed, value: mine.value, note: mine.note }] : [];
      });
      const line: PlatformValueLine = {
        currency: report.currency,
        period,
        capabilities_total: report.capabilities.filter((c) => c.eligible.some((e) => e.team_id === t.team_id) || c.teams.some((x) => x.team_id === t.team_id && x.uses)).length,
        used,
        platform_cost: sumDecimals(used.map((u) => u.platform_cost), 2),
        self_managed: sumRanges(used.map((u) => u.self_managed)),
        value: sumRanges(used.map((u) => u.value)),
      };
      return [t.team_id, line];
    }),
  );
}

const sumRanges = (rs: { low: string; base: string; high: string }[]) => ({
  low: sumDecimals(rs.map((r) => r.low), 2),
  base: sumDecimals(rs.map((r) => r.base), 2),
  high: sumDecimals(rs.map((r) => r.high), 2),
});

/** Like platformValueLines, but a value model that cannot run (bad config, no run) gives no lines and a warning. */
export async function platformValueLinesOrNone(store: Store, config: Config, period: Period, warnings: string[] = []): Promise<Map<string, PlatformValueLine>> {
  try {
    return await platformValueLines(store, config, period);
  } catch (e) {
    if (!(e instanceof AllotError)) throw e;
    warnings.push(`no platform value line: ${e.message}`);
    return new Map();
  }
}
