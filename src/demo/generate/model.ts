// The model: small tables from TypeScript (months, days, providers, teams, kinds,
// accounts, SKUs, clusters, namespaces, commitments) and the hash macros every
// larger table draws from.

import type { DuckDBConnection } from '@duckdb/node-api';
import { addMonths } from '../../util/period.ts';
import { awsSkuId, gcpSkuId, KINDS, WORDS } from '../catalog.ts';
import type { Org, OrgSize } from '../org.ts';
import { lit, table } from './sql.ts';
import { AWS_NEGOTIATED } from './terms.ts';

export async function loadModel(conn: DuckDBConnection, org: Org, size: OrgSize, periods: string[], seed: number, currency: string): Promise<void> {
  // hash() of (seed, keys..., salt): the only source of randomness. Arguments are
  // cast so that the same key always hashes the same way, whatever its SQL type.
  await conn.run(`CREATE MACRO hh(a, b, c, s) AS hash(${seed}::BIGINT, a::BIGINT, b::BIGINT, c::BIGINT, s::VARCHAR)`);
  await conn.run('CREATE MACRO uu(a, b, c, s) AS (hh(a, b, c, s) >> 32)::DOUBLE / 4294967296.0');
  await conn.run("CREATE MACRO hx(a, b, c, s) AS printf('%016x', hh(a, b, c, s))");

  await table(conn, 'p_months', 'm INTEGER, period VARCHAR, mstart TIMESTAMP, mnext TIMESTAMP',
    periods.map((p, m) => [m, p, `${p}-01 00:00:00`, `${addMonths(p, 1)}-01 00:00:00`]));
  await conn.run(`CREATE TABLE p_days AS
    SELECT m, day_start, datediff('day', mstart, day_start)::INTEGER AS d, (m * 32 + datediff('day', mstart, day_start))::INTEGER AS di,
           dayofweek(day_start) IN (0, 6) AS weekend, datediff('day', mstart, mnext)::INTEGER AS ndays
    FROM (SELECT m, mstart, mnext, unnest(generate_series(mstart, mnext - INTERVAL 1 DAY, INTERVAL 1 DAY)) AS day_start FROM p_months)`);

  await table(conn, 'p_providers', 'provider VARCHAR, bill_id VARCHAR, bill_name VARCHAR, issuer VARCHAR, publisher VARCHAR, disc DECIMAL(6,4)', [
    ['AWS', '210987654321', 'Acme Corp', 'Amazon Web Services, Inc.', 'Amazon Web Services, Inc.', AWS_NEGOTIATED],
    ['Google Cloud', '01A2B3-C4D5E6-F7A8B9', 'Acme Corp GCP Billing', 'Google LLC', 'Google Cloud', '1'],
  ]);
  await conn.run(`CREATE TABLE p_currency AS SELECT ${lit(currency)} AS currency`);

  const teamIdx = new Map(org.teams.map((t, i) => [t.id, i]));
  await table(conn, 'p_teams', 'team_id VARCHAR, t INTEGER, alias1 VARCHAR, jump_m INTEGER, jump_share DOUBLE',
    org.teams.map((t, i) => {
      const j = org.jumps.find((x) => x.team === t.id);
      return [t.id, i, t.aliases[0] ?? null, j?.month ?? null, j?.share ?? null];
    }));

  await table(conn, 'p_kinds', 'k INTEGER, provider VARCHAR, service VARCHAR, category VARCHAR, rtype VARCHAR, rid VARCHAR, rname VARCHAR, zonal BOOLEAN, global BOOLEAN',
    KINDS.map((k, i) => [i, k.provider, k.service, k.category, k.resourceType, k.rid, k.name, k.zonal ?? false, k.global ?? false]));
  // Weighted picks use integer cumulative ranges [lo, hi) within a group.
  const kindTotal = new Map<string, number>();
  const roleRows: unknown[][] = [];
  for (const provider of ['AWS', 'Google Cloud'] as const) {
    for (const role of ['platform', 'security', 'shared', 'team', 'ml', 'analytics'] as const) {
      const ks = KINDS.map((k, i) => ({ i, w: k.provider === provider ? (k.roles[role] ?? 0) : 0 })).filter((x) => x.w > 0);
      const total = ks.reduce((s, x) => s + x.w, 0);
      kindTotal.set(`${provider}/${role}`, total);
      let lo = 0;
      for (const x of ks) {
        roleRows.push([provider, role, x.i, lo, lo + x.w, total]);
        lo += x.w;
      }
    }
  }
  await table(conn, 'p_kind_roles', 'provider VARCHAR, role VARCHAR, k INTEGER, lo BIGINT, hi BIGINT, total BIGINT', roleRows);
  const accRows: unknown[][] = [];
  for (const provider of ['AWS', 'Google Cloud'] as const) {
    const accs = org.accounts.filter((a) => a.provider === provider);
    const ws = accs.map((a) => Math.max(1, Math.round(a.weight * 100)));
    const total = ws.reduce((x, y) => x + y, 0);
    let lo = 0;
    accs.forEach((a, i) => {
      accRows.push([org.accounts.indexOf(a), provider, a.id, a.name, a.role, a.owner === null ? null : teamIdx.get(a.owner)!, a.region, a.regionName, lo, lo + ws[i]!, total, kindTotal.get(`${provider}/${a.role}`)!]);
      lo += ws[i]!;
    });
  }
  await table(conn, 'p_accounts', 'a INTEGER, provider VARCHAR, sub_account_id VARCHAR, sub_account_name VARCHAR, role VARCHAR, owner_t INTEGER, region_id VARCHAR, region_name VARCHAR, lo BIGINT, hi BIGINT, total BIGINT, kind_total BIGINT', accRows);

  await table(conn, 'p_skus', 'k INTEGER, j INTEGER, sku_id VARCHAR, sku_price_id VARCHAR, descr VARCHAR, unit VARCHAR, price DECIMAL(18,10), mode VARCHAR, lo DOUBLE, hi DOUBLE, commit VARCHAR',
    KINDS.flatMap((k, i) => k.skus.map((s, j) => {
      const id = k.provider === 'AWS' ? awsSkuId(`${k.key}/${s.key}`) : gcpSkuId(`${k.key}/${s.key}`);
      return [i, j, id, k.provider === 'AWS' ? `${id}.JRTCKXETXF.6YS6EN2CT7` : id, s.description, s.unit, s.price, s.qty, s.lo, s.hi, s.commit ?? null];
    })));

  // Clusters: node SKUs (an EC2 instance, or a GCE VM's cores and RAM) and the control-plane fee.
  const accIdx = new Map(org.accounts.map((a, i) => [a.id, i]));
  await table(conn, 'p_clusters', 'c INTEGER, cluster_id VARCHAR, provider VARCHAR, a INTEGER, acct VARCHAR, acct_name VARCHAR, region_id VARCHAR, region_name VARCHAR, tag_key VARCHAR, itype VARCHAR, cores INTEGER, mem_bytes BIGINT, fill DOUBLE, ns_count INTEGER, ns_total BIGINT, node_tags VARCHAR, fee_tags VARCHAR, fee_rid VARCHAR',
    org.clusters.map((c, i) => {
      const acc = org.accounts.find((a) => a.id === c.account)!;
      const aws = c.provider === 'AWS';
      const nodeTags = aws
        ? { 'eks:cluster-name': c.id, 'eks:nodegroup-name': 'general', [`kubernetes.io/cluster/${c.id}`]: 'owned' }
        : { 'goog-k8s-cluster-name': c.id, 'goog-k8s-node-pool-name': 'default-pool', 'goog-k8s-cluster-location': c.region };
      const feeRid = aws
        ? `arn:aws:eks:${c.region}:${c.account}:cluster/${c.id}`
        : `//container.googleapis.com/projects/${c.account}/locations/${c.region}/clusters/${c.id}`;
      return [i, c.id, c.provider, accIdx.get(c.account)!, c.account, acc.name, c.region, c.regionName, c.tagKey, c.instanceType, c.cores, c.memoryBytes, c.fill,
        c.namespaces.length, c.namespaces.reduce((s, n) => s + n.weight, 0), JSON.stringify(nodeTags), JSON.stringify({ [c.tagKey]: c.id }), feeRid];
    }));
  await table(conn, 'p_cluster_skus', 'c INTEGER, j INTEGER, service VARCHAR, category VARCHAR, rtype VARCHAR, sku_id VARCHAR, sku_price_id VARCHAR, descr VARCHAR, unit VARCHAR, price DECIMAL(18,10), qty DECIMAL(18,3), commit VARCHAR',
    org.clusters.flatMap((c, i) => {
      if (c.provider === 'AWS') {
        const id = awsSkuId(`node/${c.instanceType}`);
        return [[i, 0, 'Amazon Elastic Compute Cloud', 'Compute', 'instance', id, `${id}.JRTCKXETXF.6YS6EN2CT7`, `$0.384 per On Demand Linux ${c.instanceType} Instance Hour`, 'Hours', '0.384', '24', 'sp']];
      }
      const gib = Math.round(c.memoryBytes / 2 ** 30);
      return [
        [i, 0, 'Compute Engine', 'Compute', 'instance', gcpSkuId('gce-n2-standard-4/N2-Core'), gcpSkuId('gce-n2-standard-4/N2-Core'), 'N2 Instance Core running in Americas', 'Hours', '0.031611', String(24 * c.cores), null],
        [i, 1, 'Compute Engine', 'Compute', 'instance', gcpSkuId('gce-n2-standard-4/N2-Ram'), gcpSkuId('gce-n2-standard-4/N2-Ram'), 'N2 Instance Ram running in Americas', 'GiB-Hours', '0.004237', String(24 * gib), null],
      ];
    }));
  const nsRows: unknown[][] = [];
  org.clusters.forEach((c, ci) => {
    let lo = 0;
    c.namespaces.forEach((n, i) => {
      nsRows.push([ci, i, n.name, JSON.stringify(n.labels), lo, lo + n.weight, n.workloads, n.name === 'kube-system' || n.name === 'monitoring']);
      lo += n.weight;
    });
  });
  await table(conn, 'p_ns', 'c INTEGER, i INTEGER, name VARCHAR, labels VARCHAR, lo BIGINT, hi BIGINT, workloads VARCHAR[], system BOOLEAN', nsRows);
  // Weighted picks join on equality with one row per unit of weight: range joins are slow.
  await conn.run('CREATE TABLE p_account_slots AS SELECT provider, total, unnest(range(lo, hi)) AS slot, a FROM p_accounts');
  await conn.run('CREATE TABLE p_kind_slots AS SELECT provider, role, total, unnest(range(lo, hi)) AS slot, k FROM p_kind_roles');
  await conn.run('CREATE TABLE p_ns_slots AS SELECT c, unnest(range(lo, hi)) AS slot, i FROM p_ns');
  await table(conn, 'p_words', 'words VARCHAR[], unknown VARCHAR[]', [[WORDS, org.unknownTeamValues]]);
  await conn.run(`CREATE TABLE p_commit AS SELECT
      'arn:aws:savingsplans::${org.platformAccount}:savingsplan/' || ${uuidSql('1', '0', "'sp'")} AS sp_id,
      'arn:aws:rds:eu-west-1:${org.platformAccount}:ri:acme-rds-' || substr(hx(2, 0, 0, 'ri'), 1, 8) AS ri_id,
      ${lit(org.platformAccount)} AS owner_acct,
      (SELECT a FROM p_accounts WHERE sub_account_id = ${lit(org.platformAccount)}) AS owner_a,
      (SELECT sub_account_name FROM p_accounts WHERE sub_account_id = ${lit(org.platformAccount)}) AS owner_name,
      ${lit(org.creditAccount)} AS credit_acct`);
}

/** A UUID-shaped string from two hashes of the key. */
function uuidSql(a: string, b: string, salt: string): string {
  const x = `hx(${a}, ${b}, 0, ${salt})`;
  const y = `hx(${a}, ${b}, 1, ${salt})`;
  return `(substr(${x},1,8) || '-' || substr(${x},9,4) || '-4' || substr(${x},14,3) || '-a' || substr(${y},2,3) || '-' || substr(${y},5,12))`;
}
