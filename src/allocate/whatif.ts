import type { LoadedConfig } from '../config/load.ts';
import type { Store } from '../store/db.ts';
import { closedRunId, periodRunId, runPeriod } from '../store/runs.ts';
import { sqlFolder } from '../store/sql.ts';
import { fixDecimals } from '../util/decimal.ts';
import { AllotError } from '../util/errors.ts';
import { computeAttribution } from './run.ts';

/*
 * What a rule change would do before anyone sees it: a dry run computes the
 * period with another configuration in TEMP tables only (the store file is
 * not written) and compares it with the run that speaks for the period; a
 * diff compares two stored runs. Both say, per team and currency, the amount
 * before and after, and which matches moved: the rules, tags, accounts and
 * namespaces whose line items or amount changed (from the lineage).
 */

const sql = sqlFolder(new URL('./sql/', import.meta.url));

export interface TeamChange {
  team_id: string;
  currency: string;
  /** Rounded, as the chargeback CSV prints them; '0' where the team had no row. */
  before: string;
  after: string;
  change: string;
}

/** One basis of the lineage (a rule, a tag value, an account, a namespace…) whose matches changed. */
export interface MatchChange {
  basis: string;
  detail: string;
  /** Where it sent the cost: `team payments`, `pool platform`, `unallocated`, `cluster prod`. */
  target: string;
  currency: string;
  /** Line items it matched (null for namespace shares, which split a cluster's line items). */
  line_items_before: number | null;
  line_items_after: number | null;
  amount_before: string;
  amount_after: string;
}

export interface RunComparison {
  period: string;
  from: { run_id: number; label: string };
  to: { run_id: number | null; label: string };
  teams: TeamChange[];
  matches: MatchChange[];
  /** Teams whose amount changed in some currency. */
  changed_teams: number;
}

/**
 * `allot attribute --period P --dry-run`: the period as `loaded` would
 * attribute it now, against the run that speaks for it. Run it on a store
 * opened read-only: it writes nothing (TEMP tables only).
 */
export async function whatIf(store: Store, loaded: LoadedConfig, period: string): Promise<RunComparison> {
  const from = await periodRunId(store, period);
  const closed = (await closedRunId(store, period)) !== undefined;
  await computeAttribution(store, loaded.config, period);
  await store.run(sql('whatif-dry'));
  const label = `${loaded.file} (dry run, not written)`;
  if (from === undefined) {
    return compare(store, period, { run_id: 0, label: 'nothing published yet' }, { run_id: null, label });
  }
  return compare(store, period, { run_id: from, label: `run #${from} (${closed ? 'closed' : 'latest'})` }, { run_id: null, label });
}

/** `allot diff --period P --from RUN --to RUN`: two stored runs of a period. */
export async function diffRuns(store: Store, period: string, fromRun: number, toRun: number): Promise<RunComparison> {
  for (const run of [fromRun, toRun]) {
    const runOf = await runPeriod(store, run);
    if (runOf === undefined) throw new AllotError(`there is no run #${run}`);
    if (runOf !== period) throw new AllotError(`run #${run} is a run of ${runOf}, not of ${period}`);
  }
  await store.run(sql('whatif-stored-rows'), [toRun]);
  await store.run(sql('whatif-stored-lineage'), [toRun]);
  return compare(store, period, { run_id: fromRun, label: `run #${fromRun}` }, { run_id: toRun, label: `run #${toRun}` });
}

async function compare(store: Store, period: string, from: RunComparison['from'], to: RunComparison['to']): Promise<RunComparison> {
  const teams = (await store.all<TeamChange & { decimals: number }>(sql('whatif-teams'), [from.run_id])).map(({ decimals, ...t }) => ({
    ...t,
    before: fixDecimals(t.before, decimals),
    after: fixDecimals(t.after, decimals),
    change: fixDecimals(t.change, decimals),
  }));
  const matches = (await store.all<MatchChange & { line_items_before: string | null; line_items_after: string | null }>(sql('whatif-matches'), [from.run_id])).map((m) => ({
    ...m,
    line_items_before: m.line_items_before === null ? null : Number(m.line_items_before),
    line_items_after: m.line_items_after === null ? null : Number(m.line_items_after),
  }));
  await store.run('DROP TABLE IF EXISTS whatif_rows');
  await store.run('DROP TABLE IF EXISTS whatif_lineage');
  return { period, from, to, teams, matches, changed_teams: new Set(teams.filter((t) => !/^-?0(\.0+)?$/.test(t.change)).map((t) => t.team_id)).size };
}
