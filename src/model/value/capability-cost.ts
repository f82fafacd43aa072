// What reached each team because of a capability, from a run's rows and
// their lineage. A charge counts for a capability when one of its usage
// entries matches it; a team's share of a shared pool counts in proportion
// to the part of the pool's inputs that match (for Kubernetes: what system
// namespaces and idle sent to the pool), never the whole pool.
import type { Capability, UsageMatch } from '../../config/capabilities.ts';
import type { Store } from '../../store/db.ts';
import { sqlFolder } from '../../store/sql.ts';
import { mulDiv, roundUnits, toUnits } from './exact.ts';

const sql = sqlFolder(new URL('./sql/', import.meta.url));

/** What a matcher can see of a piece of cost; null: not known for it (a matcher on it does not match). */
export interface CostUnit {
  cluster: string | null;
  namespace: string | null;
  /** The shared pool the cost came through. */
  pool: string | null;
  service: string;
  account: string | null;
  tags: Record<string, string> | null;
  amount: bigint;
}

export interface OwnUnit extends CostUnit {
  team: string;
  charge_type: 'direct' | 'kubernetes' | 'idle';
}

export interface RunRow {
  team_id: string;
  charge_type: string;
  service: string;
  amount: string;
  amount_exact: string;
}

export interface RunCostData {
  rows: RunRow[];
  own: OwnUnit[];
  /** pool id → its inputs */
  poolInputs: Map<string, CostUnit[]>;
  /** A team's exact share of a pool; `service` is the pool's name, the service of its shared row. */
  shares: { team: string; pool: string; service: string; amount: bigint }[];
  /** False when the run kept no line-item owners: accounts and tags are then unknown. */
  lineItems: boolean;
}

/** One row's part in a capability, rounded: the whole row's amount when all of it matched. */
export interface CapabilityPart {
  charge_type: string;
  service: string;
  /** For shared parts: the pool. */
  pool: string | null;
  amount: string;
  whole_row: boolean;
}

export interface TeamCapabilityCost {
  team_id: string;
  /** Σ parts, 2 decimals. */
  cost: string;
  /** A charge of its own (direct, kubernetes, idle) or a pool the capability names matched, and is not zero. */
  uses: boolean;
  parts: CapabilityPart[];
}

const globCache = new Map<string, RegExp>();
function glob(pattern: string): RegExp {
  let re = globCache.get(pattern);
  if (!re) {
    re = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
    globCache.set(pattern, re);
  }
  return re;
}
const anyGlob = (patterns: string[] | undefined, v: string | null): boolean =>
  patterns === undefined || (v !== null && patterns.some((p) => glob(p).test(v)));

/** Whether one usage entry matches a piece of cost: every key it gives must. */
export function entryMatches(m: UsageMatch, u: Omit<CostUnit, 'amount'>): boolean {
  if (!anyGlob(m.clusters, u.cluster) || !anyGlob(m.namespaces, u.namespace) || !anyGlob(m.shared_pools, u.pool)) return false;
  if (!anyGlob(m.services, u.service) || !anyGlob(m.accounts, u.account)) return false;
  if (m.tags) {
    for (const [k, v] of Object.entries(m.tags)) {
      const have = u.tags?.[k];
      if (have === undefined || !glob(v).test(have)) return false;
    }
  }
  return true;
}

export const capabilityMatches = (c: Capability, u: Omit<CostUnit, 'amount'>): boolean => c.usage.some((m) => entryMatches(m, u));

/** Whether a capability names this pool itself (receiving from it is using it), not only parts of its inputs. */
const namesPool = (c: Capability, pool: string): boolean => c.usage.some((m) => m.shared_pools !== undefined && anyGlob(m.shared_pools, pool));

const rowKey = (team: string, chargeType: string, service: string) => `${team}\u0000${chargeType}\u0000${service}`;

/** The exact matched amount of each of a team's rows, for one capability (or any of several). */
function matchedByRow(data: RunCostData, match: (u: Omit<CostUnit, 'amount'>) => boolean, poolNamed: (pool: string) => boolean) {
  const matched = new Map<string, { team: string; charge_type: string; service: string; pool: string | null; amount: bigint }>();
  const uses = new Set<string>();
  const add = (team: string, chargeType: string, service: string, pool: string | null, amount: bigint) => {
    const k = rowKey(team, chargeType, service);
    const m = matched.get(k) ?? { team, charge_type: chargeType, service, pool, amount: 0n };
    m.amount += amount;
    matched.set(k, m);
  };
  for (const u of data.own) {
    if (!match(u)) continue;
    add(u.team, u.charge_type, u.service, null, u.amount);
    if (u.amount !== 0n) uses.add(u.team);
  }
  // Per pool: the matching part of its inputs over its total.
  const fraction = new Map<string, { part: bigint; total: bigint }>();
  for (const [pool, inputs] of data.poolInputs) {
    let part = 0n;
    let total = 0n;
    for (const u of inputs) {
      total += u.amount;
      if (match(u)) part += u.amount;
    }
    fraction.set(pool, { part, total });
  }
  for (const s of data.shares) {
    const f = fraction.get(s.pool);
    if (!f || f.part === 0n || f.total === 0n) continue;
    add(s.team, 'shared', s.service, s.pool, f.part === f.total ? s.amount : mulDiv(s.amount, f.part, f.total));
    if (s.amount !== 0n && poolNamed(s.pool)) uses.add(s.team);
  }
  return { matched, uses };
}

/** Rounds matched amounts per row: a row matched whole keeps its rounded amount (so parts add up to the rows shown). */
function partsByTeam(data: RunCostData, matched: ReturnType<typeof matchedByRow>['matched']): Map<string, CapabilityPart[]> {
  const rows = new Map(data.rows.map((r) => [rowKey(r.team_id, r.charge_type, r.service), r]));
  const out = new Map<string, CapabilityPart[]>();
  for (const [k, m] of matched) {
    const row = rows.get(k);
    const whole = row !== undefined && toUnits(row.amount_exact) === m.amount;
    const amount = whole ? roundUnits(toUnits(row.amount), 2) : roundUnits(m.amount, 2);
    const list = out.get(m.team) ?? [];
    list.push({ charge_type: m.charge_type, service: m.service, pool: m.pool, amount, whole_row: whole });
    out.set(m.team, list);
  }
  for (const list of out.values()) list.sort((a, b) => a.charge_type.localeCompare(b.charge_type) || a.service.localeCompare(b.service));
  return out;
}

const sum2 = (xs: string[]): string => roundUnits(xs.reduce((t, x) => t + toUnits(x), 0n), 2);

/** Every team's cost through one capability in a run (teams with nothing matched are left out). */
export function capabilityCosts(data: RunCostData, cap: Capability): Map<string, TeamCapabilityCost> {
  const { matched, uses } = matchedByRow(data, (u) => capabilityMatches(cap, u), (p) => namesPool(cap, p));
  const parts = partsByTeam(data, matched);
  const out = new Map<string, TeamCapabilityCost>();
  for (const [team, ps] of parts) out.set(team, { team_id: team, cost: sum2(ps.map((p) => p.amount)), uses: uses.has(team), parts: ps });
  for (const team of uses) if (!out.has(team)) out.set(team, { team_id: team, cost: '0.00', uses: true, parts: [] });
  return out;
}

/**
 * Shared charges that belong to no capability, per team and pool: each team's
 * shared row less the parts any capability took (rounded like the rows).
 */
export function sharedOutsideCapabilities(data: RunCostData, caps: Capability[]): { team_id: string; pool: string; service: string; amount: string }[] {
  const { matched } = matchedByRow(data, (u) => caps.some((c) => capabilityMatches(c, u)), () => false);
  const parts = partsByTeam(data, matched);
  const poolOf = new Map(data.shares.map((s) => [rowKey(s.team, 'shared', s.service), s.pool]));
  const out: { team_id: string; pool: string; service: string; amount: string }[] = [];
  for (const r of data.rows) {
    if (r.charge_type !== 'shared') continue;
    const taken = (parts.get(r.team_id) ?? []).filter((p) => p.charge_type === 'shared' && p.service === r.service).map((p) => p.amount);
    const rest = toUnits(roundUnits(toUnits(r.amount), 2)) - toUnits(sum2(taken));
    if (rest !== 0n) out.push({ team_id: r.team_id, pool: poolOf.get(rowKey(r.team_id, 'shared', r.service)) ?? r.service, service: r.service, amount: roundUnits(rest, 2) });
  }
  return out;
}

/** Pairs of capabilities some charge matches both of (it then counts in each): "A and B". */
export function overlappingCapabilities(data: RunCostData, caps: Capability[]): string[] {
  const pairs = new Set<string>();
  const units: Omit<CostUnit, 'amount'>[] = [...data.own.filter((u) => u.amount !== 0n), ...[...data.poolInputs.values()].flat().filter((u) => u.amount !== 0n)];
  for (const u of units) {
    const hit = caps.filter((c) => capabilityMatches(c, u));
    for (let i = 0; i < hit.length; i++) for (let j = i + 1; j < hit.length; j++) pairs.add(`${hit[i]!.name} and ${hit[j]!.name}`);
  }
  return [...pairs].sort();
}

const needsLineItems = (caps: Capability[]) => caps.some((c) => c.usage.some((m) => m.accounts !== undefined || m.tags !== undefined));

/** Reads what capabilityCosts needs of a run, in one currency. */
export async function loadRunCostData(store: Store, runId: number, currency: string, costMetric: string, caps: Capability[]): Promise<RunCostData> {
  const rows = await store.all<RunRow>(sql('run-rows'), [runId, currency]);
  const lineage = await store.all<{ kind: 'own' | 'pool_input' | 'share'; target: string; charge_type: string; service: string; cluster: string | null; namespace: string | null; pool: string | null; amount: string }>(
    sql('lineage-parts'), [runId, currency],
  );
  const wantItems = needsLineItems(caps);
  const haveItems = wantItems && Number((await store.one<{ n: number }>(sql('has-owners'), [runId]))?.n ?? 0) > 0;
  const items = haveItems
    ? await store.all<{ target_kind: 'team' | 'pool'; target_id: string; service: string; account: string | null; tags: string | null; amount: string }>(
        sql('line-items'), [runId, currency, costMetric],
      )
    : [];

  const own: OwnUnit[] = [];
  const poolInputs = new Map<string, CostUnit[]>();
  const shares: RunCostData['shares'] = [];
  const input = (pool: string, u: CostUnit) => {
    const list = poolInputs.get(pool) ?? [];
    list.push(u);
    poolInputs.set(pool, list);
  };
  for (const l of lineage) {
    const amount = toUnits(l.amount);
    if (l.kind === 'share') {
      if (l.pool !== null) shares.push({ team: l.target, pool: l.pool, service: l.service, amount });
    } else if (l.kind === 'pool_input') {
      // Line items sent to the pool come from the line items themselves when they are kept (they carry accounts and tags).
      if (l.cluster === null && haveItems) continue;
      input(l.target, { cluster: l.cluster, namespace: l.namespace, pool: l.target, service: l.service, account: null, tags: null, amount });
    } else {
      if (l.charge_type === 'direct' && haveItems) continue;
      own.push({ team: l.target, charge_type: l.charge_type as OwnUnit['charge_type'], cluster: l.cluster, namespace: l.namespace, pool: null, service: l.service, account: null, tags: null, amount });
    }
  }
  for (const i of items) {
    const tags = i.tags ? (JSON.parse(i.tags) as Record<string, string> | null) : null;
    const unit = { cluster: null, namespace: null, service: i.service, account: i.account, tags, amount: toUnits(i.amount) };
    if (i.target_kind === 'pool') input(i.target_id, { ...unit, pool: i.target_id });
    else own.push({ ...unit, team: i.target_id, charge_type: 'direct', pool: null });
  }
  return { rows, own, poolInputs, shares, lineItems: haveItems || !wantItems };
}

