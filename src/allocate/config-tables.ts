import type { Config } from '../config/schema.ts';
import type { Store } from '../store/db.ts';
import { sqlFolder } from '../store/sql.ts';
import { periodDays } from '../util/period.ts';

const sql = sqlFolder(new URL('./sql/', import.meta.url));

/**
 * Loads the configuration into TEMP tables (cfg_*) so the allocation SQL can
 * read rules, teams, pools and clusters as data. Each table is small.
 */
export async function loadConfigTables(store: Store, cfg: Config, period: string): Promise<void> {
  const days = periodDays(period);
  const start = `${days.start} 00:00:00`;
  const next = `${days.end} 00:00:00`;

  await store.run(
    sql('run-params'),
    [period, start, next, cfg.cost_metric, cfg.currency_decimals, cfg.unallocated.cost_center, cfg.unallocated.gl_account,
     // 10^d and 10^-d as exact decimal text, so rounding never goes through DOUBLE.
     `1${'0'.repeat(cfg.currency_decimals)}`, cfg.currency_decimals === 0 ? '1' : `0.${'0'.repeat(cfg.currency_decimals - 1)}1`],
  );

  await table(store, 'cfg_teams', 'team_id VARCHAR, ord INTEGER, name VARCHAR, cost_center VARCHAR, gl_account VARCHAR, mode VARCHAR, receives_shared BOOLEAN',
    cfg.teams.map((t, i) => [t.id, i, t.name, t.cost_center, t.gl_account, t.mode, t.receives_shared]));
  // Tag values and namespace labels name a team by id or alias, case-insensitive.
  await table(store, 'cfg_team_names', 'name_lower VARCHAR, team_id VARCHAR',
    cfg.teams.flatMap((t) => [t.id, ...t.aliases].map((a) => [a.toLowerCase(), t.id])));
  await table(store, 'cfg_accounts', 'account_id VARCHAR, team_id VARCHAR',
    cfg.teams.flatMap((t) => t.accounts.map((a) => [a, t.id])));
  await table(store, 'cfg_team_namespaces', 'namespace VARCHAR, team_id VARCHAR',
    cfg.teams.flatMap((t) => t.namespaces.map((n) => [n, t.id])));
  await table(store, 'cfg_pools', 'pool_id VARCHAR, ord INTEGER, name VARCHAR, strategy VARCHAR',
    cfg.shared_pools.map((p, i) => [p.id, i, p.name, p.strategy]));
  await table(store, 'cfg_pool_weights', 'pool_id VARCHAR, team_id VARCHAR, weight DECIMAL(38,12)',
    cfg.shared_pools.flatMap((p) => Object.entries(p.weights ?? {}).map(([team, w]) => [p.id, team, String(w)])));
  await table(store, 'cfg_clusters', 'cluster_id VARCHAR, ord INTEGER, idle VARCHAR, system_pool VARCHAR, p_cpu DECIMAL(18,9), p_mem DECIMAL(18,9)',
    cfg.clusters.map((c, i) => [c.id, i, c.idle, c.system_pool ?? null, String(c.prices.cpu_core_hour), String(c.prices.memory_gib_hour)]));
  await table(store, 'cfg_system_namespaces', 'cluster_id VARCHAR, namespace VARCHAR',
    cfg.clusters.flatMap((c) => c.system_namespaces.map((n) => [c.id, n])));
  await table(store, 'cfg_tag_keys', 'keys VARCHAR[]', [[list(cfg.team_tag_keys)]]);
  await table(store, 'cfg_ns_labels', 'keys VARCHAR[]', [[list(cfg.namespace_team_labels)]]);

  // Matchers: explicit rules first (priority = position), then cluster matches.
  // Priority orders "first match wins" across both kinds in one query.
  const matchers = [
    ...cfg.rules.map((r, i) => ({
      priority: i,
      kind: 'rule',
      target_kind: r.team ? 'team' : r.shared ? 'pool' : 'cluster',
      target_id: (r.team ?? r.shared ?? r.cluster)!,
      detail: `rules[${i}]${r.name ? ` "${r.name}"` : ''}`,
      match: r.match,
    })),
    ...cfg.clusters.flatMap((c, i) =>
      c.match ? [{ priority: 100_000 + i, kind: 'cluster', target_kind: 'cluster', target_id: c.id, detail: `clusters[${i}].match (${c.id})`, match: c.match }] : [],
    ),
  ];
  await table(
    store,
    'cfg_matchers',
    `priority INTEGER, kind VARCHAR, target_kind VARCHAR, target_id VARCHAR, detail VARCHAR,
     sub_account_id VARCHAR, service_name VARCHAR, service_category VARCHAR, region_id VARCHAR,
     charge_category VARCHAR, resource_id VARCHAR, tag_keys VARCHAR[], tag_patterns VARCHAR[]`,
    matchers.map((x) => [
      x.priority, x.kind, x.target_kind, x.target_id, x.detail,
      like(x.match.sub_account_id), like(x.match.service_name), like(x.match.service_category), like(x.match.region_id),
      like(x.match.charge_category), like(x.match.resource_id),
      list(Object.keys(x.match.tags ?? {})), list(Object.values(x.match.tags ?? {}).map((v) => like(v)!)),
    ]),
  );
}

/** `*` glob → LIKE pattern with `\` as the escape character; every other character is literal. */
export function like(glob: string | undefined): string | null {
  if (glob === undefined) return null;
  return glob.replace(/[\\%_]/g, (c) => `\\${c}`).replaceAll('*', '%');
}

type Cell = string | number | boolean | null | ListValue;
interface ListValue { list: string[] }
const list = (items: string[]): ListValue => ({ list: items });

/** Creates a TEMP table and fills it with bound parameters (values never spliced into SQL), many rows per statement. */
async function table(store: Store, name: string, columns: string, rows: Cell[][]): Promise<void> {
  await store.run(`CREATE OR REPLACE TEMP TABLE ${name} (${columns})`);
  if (rows.length === 0) return;
  const width = rows[0]!.length;
  // Lists travel as JSON text and are cast in SQL: a bound list needs a declared element type.
  const tuple = (r: number): string =>
    `(${rows[0]!.map((c, i) => { const p = `$${r * width + i + 1}`; return isList(c) ? `CAST(${p}::JSON AS VARCHAR[])` : p; }).join(', ')})`;
  for (let at = 0; at < rows.length; at += ROWS_PER_INSERT) {
    const chunk = rows.slice(at, at + ROWS_PER_INSERT);
    await store.run(`INSERT INTO ${name} VALUES ${chunk.map((_, r) => tuple(r)).join(', ')}`, chunk.flat().map((c) => (isList(c) ? JSON.stringify(c.list) : c)));
  }
}

/** A statement per row cost more than Steps 1–3 for a few hundred teams. */
const ROWS_PER_INSERT = 200;

const isList = (c: Cell): c is ListValue => c !== null && typeof c === 'object';
