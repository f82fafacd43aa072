// The platform value line of a team email, from the value model
// (../value): what running its Kubernetes alone would have cost.
import type { Config } from '../../config/schema.ts';
import type { Store } from '../../store/db.ts';
import { AllotError } from '../../util/errors.ts';
import type { Period } from '../../util/period.ts';
import { buildValueReport } from '../value/build.ts';
import type { PlatformValueLine } from './types.ts';

/** Every team's value line for a period, computed once for a batch of emails (same run as the email, see periodRunId). */
export async function platformValueLines(store: Store, config: Config, period: Period): Promise<Map<string, PlatformValueLine>> {
  const report = await buildValueReport(store, config, period);
  return new Map(
    report.teams.map((t) => [
      t.team_id,
      { currency: t.currency, platform_cost: t.platform_cost, uses_kubernetes: t.uses_kubernetes, self_managed: t.self_managed, value: t.value, note: t.note },
    ]),
  );
}

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
