// Kubernetes: pods per cluster-month, nodes sized to the requests, snapshot times.

import type { DuckDBConnection } from '@duckdb/node-api';
import type { OrgSize } from '../org.ts';
import { sqlList } from './sql.ts';

// Requests/usage over the day (UTC), mean ~0.97.
const DIURNAL = [0.72, 0.68, 0.66, 0.65, 0.66, 0.7, 0.8, 0.92, 1.05, 1.16, 1.24, 1.28, 1.3, 1.29, 1.27, 1.24, 1.2, 1.14, 1.06, 0.98, 0.9, 0.84, 0.79, 0.75];

export async function buildKubernetes(conn: DuckDBConnection, size: OrgSize): Promise<void> {
  const M = size.months;
  await conn.run(`CREATE TABLE pods_raw AS
    WITH pm AS (
      SELECT cl.c, mo.m, cl.ns_count, cl.ns_total,
        greatest(1, round(${size.podsPerCluster} * (1 - 0.04 * (${M - 1} - mo.m))))::INTEGER AS npods
      FROM p_clusters cl, p_months mo
    ), p AS (
      SELECT *, hh(c * 100 + m, p, 0, 'ns') % ns_total AS hns
      FROM (SELECT c, m, ns_count, ns_total, unnest(range(npods))::BIGINT AS p FROM pm)
    ), q AS (
      -- the first pods visit every namespace once, so none is empty; the rest follow the weights
      SELECT p.c, p.m, p.p, ns.name AS ns, ns.system, ns.workloads
      FROM p JOIN p_ns_slots sl ON sl.c = p.c AND sl.slot = p.hns
      JOIN p_ns ns ON ns.c = p.c AND ns.i = CASE WHEN p.p < p.ns_count THEN p.p ELSE sl.i END
    ), r AS (
      SELECT q.*, k,
        workloads[1 + (hh(k, p, 0, 'wl') % len(workloads))::INTEGER] AS workload,
        CASE WHEN system THEN [0.05, 0.1, 0.1, 0.2, 0.25, 0.5][1 + (hh(k, p, 0, 'cpu') % 6)::INTEGER]
             ELSE [0.1, 0.25, 0.25, 0.5, 0.5, 0.5, 0.75, 1, 1, 1.5, 2][1 + (hh(k, p, 0, 'cpu') % 11)::INTEGER] END::DECIMAL(18,3) AS cpu_req,
        [0.5, 0.75, 0.75, 1, 1, 1.25, 1.5][1 + (hh(k, p, 0, 'mem') % 7)::INTEGER] AS mem_f,
        uu(k, p, 0, 'ucpu') AS u1, uu(k, p, 0, 'ucpu2') AS u2, uu(k, p, 0, 'umem') AS u3, uu(k, p, 0, 'umem2') AS u4,
        hh(k, p, 0, 'miss') % 100 AS miss_h
      FROM (SELECT q.*, c * 100 + m AS k FROM q) q
    )
    SELECT c, m, p, ns, workload,
      workload || '-' || substr(hx(k, 0, 0, workload), 1, 10) || '-' || substr(hx(k, p, 0, 'pod'), 1, 5) AS pod_name,
      cpu_req,
      (greatest(64, round(cpu_req * 4096 * mem_f / 64) * 64) * 1048576)::BIGINT AS mem_req,
      CASE WHEN u1 < 0.1 THEN 1.05 + 0.7 * u2 ELSE 0.12 + 0.7 * u2 END AS util_cpu,  -- a tenth use more than they request
      CASE WHEN u3 < 0.06 THEN 1.02 + 0.3 * u4 ELSE 0.45 + 0.45 * u4 END AS util_mem,
      CASE WHEN miss_h < 3 THEN 'all' WHEN miss_h < 5 THEN 'mem' END AS miss           -- no metrics for a few pods
    FROM r`);

  // Enough nodes that requests fill the cluster's target share of capacity.
  await conn.run(`CREATE TABLE nodes AS
    WITH nc AS (
      SELECT c, m, greatest(3, ceil(sum(cpu_req)::DOUBLE / (any_value(fill) * any_value(cores))),
                               ceil(sum(mem_req)::DOUBLE / (any_value(fill) * any_value(mem_bytes))))::INTEGER AS nn
      FROM pods_raw JOIN p_clusters USING (c) GROUP BY c, m
    ), b AS (
      SELECT n.c, n.m, n.n, n.nn, cl.provider, cl.itype, cl.cores, cl.mem_bytes, cl.acct, cl.region_id, cl.cluster_id,
        cl.region_id || CASE WHEN cl.provider = 'AWS' THEN '' ELSE '-' END || ['a', 'b', 'c'][1 + n.n % 3] AS zone,
        'i-0' || hx(n.c * 100 + n.m, n.n, 0, 'iid') AS iid,
        n.n % 3 < 2 AS cover_sp                        -- two thirds of the EKS nodes run on the Savings Plan
      FROM (SELECT c, m, nn, unnest(range(nn))::INTEGER AS n FROM nc) n JOIN p_clusters cl USING (c)
    ), named AS (
      SELECT b.*, CASE WHEN provider = 'AWS'
        THEN 'ip-10-' || (40 + c) || '-' || ((m * 37 + n // 200) % 256) || '-' || (n % 200 + 10) || '.' || region_id || '.compute.internal'
        ELSE 'gke-' || cluster_id || '-default-pool-' || substr(hx(c * 100 + m, n % 3, 0, 'ig'), 1, 8) || '-' || substr(hx(c * 100 + m, n, 0, 'gn'), 1, 4)
        END AS name
      FROM b
    )
    SELECT c, m, n, nn, provider, itype, cores, mem_bytes, zone, name, cover_sp,
      CASE WHEN provider = 'AWS' THEN 'aws:///' || zone || '/' || iid ELSE 'gce://' || acct || '/' || zone || '/' || name END AS provider_id,
      CASE WHEN provider = 'AWS' THEN 'arn:aws:ec2:' || region_id || ':' || acct || ':instance/' || iid
           ELSE '//compute.googleapis.com/projects/' || acct || '/zones/' || zone || '/instances/' || name END AS resource_id,
      CASE WHEN provider = 'AWS'
        THEN json_object('node.kubernetes.io/instance-type', itype, 'topology.kubernetes.io/zone', zone, 'eks.amazonaws.com/nodegroup', 'general')
        ELSE json_object('node.kubernetes.io/instance-type', itype, 'topology.kubernetes.io/zone', zone, 'cloud.google.com/gke-nodepool', 'default-pool') END AS labels
    FROM named`);
  // Round-robin placement: pods come in random sizes, so nodes fill evenly.
  await conn.run(`CREATE TABLE pods AS
    SELECT pr.*, nd.name AS node FROM pods_raw pr JOIN nodes nd ON nd.c = pr.c AND nd.m = pr.m AND nd.n = pr.p % nd.nn`);

  // Hourly snapshots in the last month, daily before (keeps the demo small).
  await conn.run(`CREATE TABLE snaps AS
    SELECT c, m, ts, window_seconds,
      CASE WHEN window_seconds = 3600 THEN ${sqlList(DIURNAL)}[1 + hour(ts)] ELSE 1.0 END AS factor,
      row_number() OVER (PARTITION BY c, m ORDER BY ts)::INTEGER AS si
    FROM (
      SELECT cl.c, mo.m, unnest(generate_series(mo.mstart, mo.mnext - INTERVAL 1 HOUR, INTERVAL 1 HOUR)) AS ts, 3600 AS window_seconds
      FROM p_clusters cl, p_months mo WHERE mo.m = ${M - 1}
      UNION ALL
      SELECT cl.c, mo.m, unnest(generate_series(mo.mstart, mo.mnext - INTERVAL 1 DAY, INTERVAL 1 DAY)), 86400
      FROM p_clusters cl, p_months mo WHERE mo.m < ${M - 1})`);
}
