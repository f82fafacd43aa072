// The demo's platform capabilities, for the platform review: Kubernetes (the
// clusters), CI runners billed in the platform account, and a managed
// PostgreSQL service in the shared production account. Who uses CI and the
// database changes over the months so the review has a story: a team adopts
// the database mid-way, one stops using CI, one adopts CI late. Also the
// survey answers some teams gave.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { ingestSurvey } from '../ingest/survey/index.ts';
import type { Store } from '../store/db.ts';
import { focusSelect } from './focus.ts';
import type { Org } from './org.ts';

export interface CapabilityUse {
  team: string;
  capability: 'ci' | 'db';
  /** Month indexes (0 = the first month of the history) it uses the capability in, inclusive. */
  from: number;
  to: number;
}

const CI_TEAMS = ['payments', 'checkout', 'search', 'catalog', 'identity', 'web', 'mobile', 'fraud', 'notifications', 'logistics'];
const DB_TEAMS = ['payments', 'identity', 'fraud', 'checkout', 'search'];
/** Daily base cost per using team, before the seeded spread of ±20%. */
const CI_DAILY = 18;
const DB_DAILY = 42;
export const SHARED_ACCOUNT = '444444444444';

/** Who uses CI runners and the managed database, month by month. */
export function capabilityUses(org: Org, months: number): CapabilityUse[] {
  const has = (id: string) => org.teams.some((t) => t.id === id);
  const last = months - 1;
  const late = Math.max(0, months - 2);
  const mid = Math.max(0, Math.floor(months / 2) - 1);
  const out: CapabilityUse[] = [];
  for (const team of CI_TEAMS.filter(has)) {
    if (team === 'notifications') out.push({ team, capability: 'ci', from: 0, to: Math.max(0, months - 4) }); // stops using CI
    else if (team === 'logistics') out.push({ team, capability: 'ci', from: late, to: last }); // adopts late
    else out.push({ team, capability: 'ci', from: 0, to: last });
  }
  for (const team of DB_TEAMS.filter(has)) {
    if (team === 'checkout') out.push({ team, capability: 'db', from: mid, to: last }); // adopts mid-way
    else if (team === 'search') out.push({ team, capability: 'db', from: 0, to: Math.max(0, months - 3) }); // moves off it
    else out.push({ team, capability: 'db', from: 0, to: last });
  }
  return out;
}

/**
 * Adds the capabilities' line items to li_extra: one per using team and day.
 * CI runners in the platform account, the managed database in the shared
 * production account, each tagged with the team and the platform service.
 */
export async function buildCapabilityRows(conn: DuckDBConnection, org: Org, months: number, currency: string): Promise<void> {
  const uses = capabilityUses(org, months);
  if (uses.length === 0) return;
  const values = uses.map((u, i) => `(${i}, '${u.team}', '${u.capability}', ${u.from}, ${u.to})`).join(', ');
  await conn.run(`CREATE TABLE p_capability_uses AS SELECT * FROM (VALUES ${values}) v(u, team_id, capability, m_from, m_to)`);
  const platform = `(SELECT a FROM p_accounts WHERE sub_account_id = '${org.platformAccount}')`;
  const shared = `(SELECT a FROM p_accounts WHERE sub_account_id = '${SHARED_ACCOUNT}')`;
  await conn.run(`INSERT INTO li_extra SELECT
  ${focusSelect({
    BillingAccountId: "(SELECT bill_id FROM p_providers WHERE provider = 'AWS')",
    BillingAccountName: "(SELECT bill_name FROM p_providers WHERE provider = 'AWS')",
    BillingCurrency: `'${currency}'`,
    BillingPeriodEnd: 'mo.mnext',
    BillingPeriodStart: 'mo.mstart',
    InvoiceIssuerName: "(SELECT issuer FROM p_providers WHERE provider = 'AWS')",
    PublisherName: "(SELECT publisher FROM p_providers WHERE provider = 'AWS')",
    ProviderName: "'AWS'",
    BilledCost: 'x.amount',
    EffectiveCost: 'x.amount',
    ListCost: 'x.amount',
    ContractedCost: 'x.amount',
    ChargeCategory: "'Usage'",
    ChargeFrequency: "'Usage-Based'",
    ChargeDescription: "CASE x.capability WHEN 'ci' THEN 'CI runner minutes (platform runner fleet)' ELSE 'Managed PostgreSQL (platform service): instance, storage and backups' END",
    ChargePeriodStart: 'd.day_start',
    ChargePeriodEnd: 'd.day_start + INTERVAL 1 DAY',
    PricingCategory: "'Standard'",
    RegionId: 'a.region_id',
    RegionName: 'a.region_name',
    ResourceId: "CASE x.capability WHEN 'ci' THEN 'runner-pool-' ELSE 'pg-' END || x.team_id",
    ResourceType: "CASE x.capability WHEN 'ci' THEN 'runner-pool' ELSE 'db-cluster' END",
    ServiceCategory: "CASE x.capability WHEN 'ci' THEN 'Developer Tools' ELSE 'Databases' END",
    ServiceName: "CASE x.capability WHEN 'ci' THEN 'CI Runners' ELSE 'Amazon Aurora PostgreSQL' END",
    SubAccountId: 'a.sub_account_id',
    SubAccountName: 'a.sub_account_name',
    Tags: `'{"team":"' || x.team_id || '","platform-service":"' || CASE x.capability WHEN 'ci' THEN 'ci-runners' ELSE 'managed-postgres' END || '"}'`,
  }, { _m: 'd.m', _src: '15', _k1: 'x.u', _j: 'd.d' })}
  FROM (
    SELECT c.*, d.m, d.day_start,
           -- the seeded spread: 80% to 120% of the daily base, to the cent
           round((CASE c.capability WHEN 'ci' THEN ${CI_DAILY} ELSE ${DB_DAILY} END) * (0.8 + 0.4 * uu(c.u, d.di, 15, 'capability')), 2)::DECIMAL(38,10) AS amount
    FROM p_capability_uses c JOIN p_days d ON d.m BETWEEN c.m_from AND c.m_to
  ) x
  JOIN p_days d ON d.m = x.m AND d.day_start = x.day_start
  JOIN p_months mo ON mo.m = x.m
  JOIN p_accounts a ON a.a = CASE x.capability WHEN 'ci' THEN ${platform} ELSE ${shared} END`);
}

const q = (s: string) => JSON.stringify(s);

/**
 * The demo config with its capabilities: CI runner minutes in the platform
 * account go to the team that ran them (rules placed before the platform
 * account's own rule), and the capabilities: section at the end.
 */
export function withCapabilities(yaml: string, org: Org): string {
  const has = (id: string) => org.teams.some((t) => t.id === id);
  const rules = CI_TEAMS.filter(has).flatMap((t) => [
    `  - name: CI runners of ${t}`,
    `    match: { sub_account_id: ${q(org.platformAccount)}, service_name: "CI Runners", tags: { team: ${q(t)} } }`,
    `    team: ${t}`,
  ]);
  const lines = yaml.split('\n');
  const at = lines.findIndex((l) => l.startsWith('rules:'));
  if (at < 0) throw new Error('demo config has no rules: section');
  lines.splice(at + 1, 0, ...rules);
  const end = lines.at(-1) === '' ? lines.length - 1 : lines.length;
  lines.splice(end, 0, ...capabilitiesYaml(org));
  return lines.join('\n');
}

/** The capabilities: section of the demo config. */
function capabilitiesYaml(org: Org): string[] {
  const clusters = org.clusters.map((c) => c.id);
  const L = [
    '',
    '# Platform capabilities, one by one in `allot report value`: what counts as using',
    '# each (any entry matches; all keys of an entry must), who may use it, and what a',
    '# team would pay to run it itself (low/base/high, each with its source).',
    'capabilities:',
  ];
  if (clusters.length) {
    L.push(
      '  - id: kubernetes',
      '    name: Kubernetes',
      `    usage: [{ clusters: [${clusters.join(', ')}] }]`,
      '    self_managed: { model: kubernetes, include_ci_tooling: false }   # CI is its own capability below',
    );
  }
  L.push(
    '  - id: ci-runners',
    '    name: CI runners',
    `    usage: [{ accounts: [${q(org.platformAccount)}], services: ["CI Runners"] }]`,
    '    self_managed:',
    '      model: items',
    '      items:',
    '        - { name: "Hosted CI plan", per: team_month, low: 150, base: 400, high: 900, source: "assumption: a team-sized hosted CI plan with comparable minutes, public list prices" }',
    '        - { name: "Runner upkeep", per: engineer_hours, low: 2, base: 6, high: 12, source: "assumption: hours a month to patch and scale self-hosted runners" }',
    '  - id: managed-postgres',
    '    name: Managed PostgreSQL',
    '    usage: [{ tags: { platform-service: managed-postgres } }]',
    `    eligible_teams: [${DB_TEAMS.filter((t) => org.teams.some((x) => x.id === t)).concat(org.teams.some((t) => t.id === 'logistics') ? ['logistics'] : []).join(', ')}]   # teams with a relational workload`,
    '    self_managed:',
    '      model: items',
    '      items:',
    '        - { name: "Instance and storage", per: spend_ratio, low: 0.9, base: 1.1, high: 1.3, source: "assumption: the same instance and storage bought by the team, without the platform\'s reserved pricing" }',
    '        - { name: "Operating hours", per: engineer_hours, low: 4, base: 10, high: 20, source: "assumption: backups, upgrades, failover drills and on-call per database a month" }',
  );
  return L;
}

/** Survey answers some teams gave: NPS each quarter, onboarding hours to first production deploy. */
export function surveyCsvs(org: Org, periods: string[], seed: number): { nps: string; onboarding: string } {
  const has = (id: string) => org.teams.some((t) => t.id === id);
  // A small deterministic spread from the seed (no randomness source needed for a handful of answers).
  const pick = (i: number, n: number) => Math.abs((seed * 2654435761 + i * 40503) % n);
  const answering = ['payments', 'checkout', 'search', 'identity', 'web', 'fraud', 'logistics'].filter(has);
  const nps = ['team,date,score'];
  const quarters = [...new Set(periods.map((p) => `${p.slice(0, 4)}-${String(Math.floor((Number(p.slice(5, 7)) - 1) / 3) * 3 + 2).padStart(2, '0')}`))];
  for (const [qi, month] of quarters.entries()) {
    const last = periods.filter((p) => p <= month).at(-1) ?? periods[0]!;
    for (const [ti, team] of answering.entries()) {
      if ((ti + qi) % 3 === 2) continue; // not every team answers every quarter
      const score = [10, 9, 8, 9, 6, 10, 7, 9, 3, 10][pick(ti * 7 + qi, 10)]!;
      nps.push(`${team},${last}-${String(10 + ti).padStart(2, '0')},${score}`);
    }
  }
  const onboarding = ['team,date,hours'];
  const newcomers = ['logistics', 'checkout', 'notifications'].filter(has);
  for (const [i, team] of newcomers.entries()) {
    const p = periods[Math.min(periods.length - 1, 1 + i * 2)] ?? periods[0]!;
    onboarding.push(`${team},${p}-${String(5 + i * 6).padStart(2, '0')},${[6.5, 14, 9.25][i]}`);
  }
  return { nps: `${nps.join('\n')}\n`, onboarding: `${onboarding.join('\n')}\n` };
}

/** Writes the demo's survey answers into `dir` and records them in the store (as `allot ingest survey` would). */
export async function ingestDemoSurvey(store: Store, dir: string, org: Org, teams: { id: string; aliases: string[] }[], periods: string[], seed: number): Promise<{ nps: number; onboarding: number }> {
  const csv = surveyCsvs(org, periods, seed);
  const byName = new Map<string, string>();
  for (const t of teams) for (const k of [t.id, ...t.aliases]) byName.set(k.toLowerCase(), t.id);
  const npsFile = join(dir, 'survey-nps.csv');
  const onboardingFile = join(dir, 'survey-onboarding.csv');
  writeFileSync(npsFile, csv.nps);
  writeFileSync(onboardingFile, csv.onboarding);
  const nps = await ingestSurvey(store, npsFile, byName);
  const onboarding = await ingestSurvey(store, onboardingFile, byName);
  return { nps: nps.rows, onboarding: onboarding.rows };
}
