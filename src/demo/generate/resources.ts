// Resources: one row per cloud resource, with its account, kind, owner, tags,
// and one row per resource, SKU and month with its unit prices.

import type { DuckDBConnection } from '@duckdb/node-api';
import { KINDS, WORDS } from '../catalog.ts';
import type { Org, OrgSize } from '../org.ts';
import { all } from './sql.ts';
import { AWS_SHARE, RI_RATE, SP_RATE } from './terms.ts';

export async function buildResources(conn: DuckDBConnection, org: Org, size: OrgSize): Promise<void> {
  const nTeams = org.teams.length;
  const dataT = org.teams.findIndex((t) => t.id === 'data-platform');
  const months = size.months;
  // Rows a resource contributes per day, on average, so the last month has ~lineItems rows.
  const awsAvg = avgSkus('AWS');
  const gcpAvg = avgSkus('Google Cloud');
  const perDay = AWS_SHARE * awsAvg + (1 - AWS_SHARE) * gcpAvg;
  const nRes = Math.max(10, Math.round(size.lineItems / 30.4 / perDay));
  const totals = Object.fromEntries((await all(conn, 'SELECT DISTINCT provider, total FROM p_accounts'))
    .map((r) => [r.provider as string, Number(r.total)])) as Record<string, number>;

  await conn.run(`CREATE TABLE res_base AS
    WITH b AS (
      SELECT r::BIGINT AS r,
        CASE WHEN uu(r, 0, 0, 'prov') < ${AWS_SHARE} THEN 'AWS' ELSE 'Google Cloud' END AS provider,
        hh(r, 0, 0, 'acct') AS h_acct, hh(r, 0, 0, 'kind') AS h_kind,
        CASE WHEN uu(r, 0, 0, 'prov') < ${AWS_SHARE} THEN ${totals.AWS} ELSE ${totals['Google Cloud']} END AS acct_total,
        uu(r, 0, 0, 'team') AS u_team, uu(r, 0, 0, 'own') AS u_own
      FROM range(${nRes}) t(r)
    ), ba AS (
      SELECT b.*, a.a, a.sub_account_id, a.sub_account_name, a.role, a.owner_t, a.region_id, a.region_name, a.kind_total
      FROM b JOIN p_account_slots sl ON sl.provider = b.provider AND sl.slot = b.h_acct % b.acct_total
      JOIN p_accounts a ON a.a = sl.a
    ), bk AS (
      SELECT ba.*, ks.k FROM ba
      JOIN p_kind_slots ks ON ks.provider = ba.provider AND ks.role = ba.role AND ks.slot = ba.h_kind % ba.kind_total
    )
    SELECT bk.*,
      CASE
        WHEN role IN ('platform', 'security') THEN NULL
        WHEN owner_t IS NOT NULL AND u_own < 0.95 THEN owner_t
        WHEN role = 'analytics' AND ${dataT} >= 0 AND u_own < 0.5 THEN ${dataT}
        ELSE floor(${nTeams} * u_team * (0.4 + 0.6 * u_team))::INTEGER  -- skewed: earlier teams are bigger
      END AS t
    FROM bk`);

  const cap = (x: string) => `(upper(${x}[1]) || ${x}[2:])`;
  const tag = (val: string, extra = "'\",\"env\":\"' || env || '\"}'") => `'{"team":"' || ${val} || ${extra}`;
  await conn.run(`CREATE TABLE res AS
    WITH x AS (
      SELECT rb.*, te.team_id, te.alias1, te.jump_m, te.jump_share,
        hh(r, 0, 0, 'tagv') % 1000 AS v, hh(r, 0, 0, 'tagw') % 1000 AS w,
        CASE WHEN hh(r, 0, 0, 'env') % 100 < 15 THEN 'staging' ELSE 'prod' END AS env,
        (SELECT words FROM p_words)[1 + (hh(r, 0, 0, 'word') % ${WORDS.length})::INTEGER] AS word,
        (SELECT unknown FROM p_words)[1 + (hh(r, 0, 0, 'unk') % ${org.unknownTeamValues.length})::INTEGER] AS unknown_value,
        hx(r, 0, 0, 'id') AS hx1, hx(r, 0, 1, 'id') AS hx2,
        uu(r, 0, 0, 'birth') AS u_birth, uu(r, 0, 0, 'birth2') AS u_birth2, hh(r, 0, 0, 'birthm') AS h_birth,
        uu(r, 0, 0, 'cover') AS u_cover,
        (hh(r, 0, 0, 'n') % 20 + 1)::VARCHAR AS n,
        CASE WHEN provider = 'AWS' THEN region_id || ['a', 'b', 'c'][1 + (hh(r, 0, 0, 'zone') % 3)::INTEGER]
             ELSE region_id || '-' || ['a', 'b', 'c', 'f'][1 + (hh(r, 0, 0, 'zone') % 4)::INTEGER] END AS zone
      FROM res_base rb LEFT JOIN p_teams te USING (t)
    ), y AS (
      SELECT x.*,
        CASE
          WHEN ${months} = 1 THEN 0
          WHEN jump_m IS NOT NULL AND u_birth < jump_share THEN jump_m   -- a team's visible jump
          WHEN u_birth2 < 0.8 THEN 0
          ELSE 1 + (h_birth % ${Math.max(1, months - 1)})::INTEGER        -- mild month-over-month growth
        END AS birth_m,
        CASE
          WHEN role = 'platform' THEN CASE WHEN v < 500 THEN NULL ELSE '{"env":"shared","component":"' || word || '"}' END
          WHEN role = 'security' THEN CASE WHEN v < 400 THEN NULL ELSE '{"env":"shared","compliance":"soc2"}' END
          WHEN role IN ('team', 'ml') AND v < 350 THEN NULL                                 -- owned by account
          WHEN role NOT IN ('team', 'ml') AND v < 45 THEN NULL                              -- no owner
          WHEN role NOT IN ('team', 'ml') AND v < 90 THEN ${tag('unknown_value')}           -- names no team
          WHEN w < 60 THEN '{"owner":"' || team_id || '","env":"' || env || '"}'            -- second tag key
          WHEN w < 110 THEN ${tag(`coalesce(alias1, ${cap('team_id')})`)}                   -- alias
          WHEN w < 150 THEN ${tag(`CASE WHEN w % 2 = 0 THEN ${cap('team_id')} ELSE upper(team_id) END`)}
          WHEN w % 10 < 3 THEN ${tag('team_id', `'","env":"' || env || '","service":"' || word || '"}'`)}
          ELSE ${tag('team_id')}
        END AS tags
      FROM x
    )
    SELECT r, provider, a, sub_account_id, sub_account_name, role, region_id, region_name, k, t, zone, tags, birth_m,
      u_cover < 0.5 AS cover_sp,
      birth_m = 0 AND u_cover < 0.6 AND region_id = 'eu-west-1' AS cover_ri,  -- the reservation is regional
      uu(r, 0, 0, 'auto') < 0.2 AS auto,
      ${template('kd.rid')} AS resource_id,
      ${template('kd.rname')} AS resource_name
    FROM y JOIN p_kinds kd USING (k, provider)`);

  // One row per resource, SKU and month it exists in, with the resource's level for that SKU.
  await conn.run(`CREATE TABLE res_sku AS
    SELECT r.r, s.j, r.provider, mo.m, r.sub_account_id, r.sub_account_name,
      CASE WHEN kd.global THEN NULL ELSE r.region_id END AS region_id,
      CASE WHEN kd.global THEN NULL ELSE r.region_name END AS region_name,
      CASE WHEN kd.zonal THEN r.zone END AS zone,
      kd.service, kd.category, kd.rtype, r.resource_id, r.resource_name, r.tags,
      s.sku_id, s.sku_price_id, s.descr, s.unit, s.price, s.mode, r.auto,
      s.lo + (s.hi - s.lo) * pow(uu(r.r, s.j, 0, 'lvl'), 3) AS level,
      CASE WHEN s.commit = 'sp' AND r.cover_sp THEN 'sp' WHEN s.commit = 'ri' AND r.cover_ri THEN 'ri' END AS cover,
      ${unitPrices('s.price', 'cover')}
    FROM res r JOIN p_kinds kd USING (k) JOIN p_skus s USING (k) JOIN p_months mo ON mo.m >= r.birth_m
    JOIN p_providers pv ON pv.provider = r.provider`);
}

/**
 * Contracted and effective unit prices for a SKU (`pv` is its provider). Costs are
 * then qty DECIMAL(18,3) x unit price DECIMAL(18,10): DuckDB multiplies those in
 * 64 bits (and raise on overflow), far faster than 128-bit DECIMAL arithmetic.
 */
export function unitPrices(price: string, cover: string): string {
  return `(${price} * pv.disc)::DECIMAL(18,10) AS cup,
      (CASE (${cover}) WHEN 'sp' THEN ${price} * ${SP_RATE} WHEN 'ri' THEN ${price} * ${RI_RATE} ELSE ${price} * pv.disc END)::DECIMAL(18,10) AS eff_price`;
}

/** Fills a ResourceId/ResourceName template from the row's columns. */
function template(col: string): string {
  const subs: [string, string][] = [
    ['{region}', 'region_id'], ['{acct}', 'sub_account_id'], ['{zone}', 'zone'], ['{team}', "coalesce(team_id, role)"],
    ['{word}', 'word'], ['{n}', 'n'], ['{hex4}', 'substr(hx1, 1, 4)'], ['{hex16}', 'hx1'], ['{hex32}', '(hx1 || hx2)'],
    ['{HEX13}', 'upper(substr(hx2, 1, 13))'], ['{uuid}', "(substr(hx1,1,8) || '-' || substr(hx1,9,4) || '-4' || substr(hx1,14,3) || '-a' || substr(hx2,2,3) || '-' || substr(hx2,5,12))"],
    ['{num}', '(hh(r, 0, 0, \'num\') % 10000000000000)::VARCHAR'],
  ];
  return subs.reduce((e, [k, v]) => `replace(${e}, '${k}', ${v})`, col);
}

function avgSkus(provider: string): number {
  // Weighted by the kinds' weights over all account roles: an estimate, so lineItems is approximate.
  const ks = KINDS.filter((k) => k.provider === provider);
  const w = ks.map((k) => Object.values(k.roles).reduce((s, x) => s + (x ?? 0), 0));
  const total = w.reduce((s, x) => s + x, 0);
  return ks.reduce((s, k, i) => s + k.skus.length * w[i]!, 0) / total;
}
