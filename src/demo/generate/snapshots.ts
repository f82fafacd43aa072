// Snapshots: one JSON object per (cluster, ts), as the contract's snapshot format.

import { createReadStream, createWriteStream, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { DuckDBConnection } from '@duckdb/node-api';
import { TIMESTAMP_FORMAT } from '../focus.ts';
import { all, lit } from './sql.ts';

// Pod samples per snapshot COPY: bounds the memory of building the JSON lines.
const SAMPLES_PER_CHUNK = 150_000;

export async function writeSnapshots(conn: DuckDBConnection, dir: string, tmp: string, periods: string[]): Promise<string[]> {
  // Lines are assembled as text and written raw (CSV writer, no quoting, a delimiter
  // that never occurs): COPY (FORMAT json) would re-parse every pod object.
  await conn.run(`CREATE TABLE nodes_json AS
    SELECT c, m, '[' || string_agg(json_object('name', name, 'provider_id', provider_id, 'instance_type', itype,
        'cpu_capacity_cores', cores, 'memory_capacity_bytes', mem_bytes, 'labels', labels)::VARCHAR, ',' ORDER BY name) || ']' AS nodes
    FROM nodes GROUP BY c, m`);
  await conn.run(`CREATE TABLE ns_json AS
    SELECT c, '[' || string_agg(json_object('name', name, 'labels', labels::JSON)::VARCHAR, ',' ORDER BY name) || ']' AS namespaces
    FROM p_ns GROUP BY c`);

  const clusters = (await all(conn, 'SELECT c, cluster_id FROM p_clusters ORDER BY c')) as { c: number; cluster_id: string }[];
  const files: string[] = [];
  for (const { c, cluster_id } of clusters) {
    for (const [m, p] of periods.entries()) {
      const stats = (await all(conn, `SELECT (SELECT count(*) FROM pods WHERE c = ${c} AND m = ${m})::INTEGER AS pods,
        (SELECT max(si) FROM snaps WHERE c = ${c} AND m = ${m})::INTEGER AS snaps`))[0] as { pods: number; snaps: number };
      const per = Math.max(1, Math.floor(SAMPLES_PER_CHUNK / Math.max(1, stats.pods)));
      const file = join(dir, `k8s-${cluster_id}-${p}.jsonl`);
      const parts: string[] = [];
      for (let lo = 1; lo <= stats.snaps; lo += per) {
        const part = join(tmp, `k8s-${cluster_id}-${p}.part${parts.length}.jsonl`);
        await conn.run(`COPY (
          SELECT '{"cluster":' || to_json(${lit(cluster_id)}) || ',"ts":"' || strftime(s.ts, '${TIMESTAMP_FORMAT}') || '","window_seconds":' || s.window_seconds
            || ',"nodes":' || nj.nodes || ',"namespaces":' || nsj.namespaces || ',"pods":[' || s.pods || ']}' AS line
          FROM (
            SELECT s.ts, s.window_seconds, string_agg(${podJson()}::VARCHAR, ',' ORDER BY p.pod_name, p.p) AS pods
            FROM snaps s JOIN pods p ON p.c = s.c AND p.m = s.m
            WHERE s.c = ${c} AND s.m = ${m} AND s.si >= ${lo} AND s.si < ${lo + per}
            GROUP BY s.ts, s.window_seconds
          ) s, nodes_json nj, ns_json nsj
          WHERE nj.c = ${c} AND nj.m = ${m} AND nsj.c = ${c}
          ORDER BY s.ts
        ) TO ${lit(part)} (FORMAT csv, HEADER false, QUOTE '', ESCAPE '', DELIMITER '\x1f')`);
        parts.push(part);
      }
      await concat(parts, file);
      files.push(file);
    }
  }
  return files;
}

/** A pod sample; usage keys are absent (not null) when metrics are missing. */
function podJson(): string {
  const k = 'p.c * 100 + p.m';
  const cpuUse = `greatest(0.001, round(p.cpu_req * p.util_cpu * s.factor * (0.85 + 0.3 * uu(${k}, p.p, s.si, 'cpu')), 3))`;
  const memUse = `(p.mem_req * p.util_mem * (0.93 + 0.14 * uu(${k}, p.p, s.si, 'mem')) / 4096)::BIGINT * 4096`;
  const gap = `hh(${k}, p.p, s.si, 'gap') % 1000 < 5`; // an occasional scrape gap
  const head = "'namespace', p.ns, 'name', p.pod_name, 'node', p.node, 'cpu_request_cores', p.cpu_req::DOUBLE";
  return `CASE
      WHEN p.miss = 'all' OR ${gap} THEN json_object(${head}, 'memory_request_bytes', p.mem_req)
      WHEN p.miss = 'mem' THEN json_object(${head}, 'cpu_usage_cores', ${cpuUse}, 'memory_request_bytes', p.mem_req)
      ELSE json_object(${head}, 'cpu_usage_cores', ${cpuUse}, 'memory_request_bytes', p.mem_req, 'memory_usage_bytes', ${memUse})
    END`;
}

async function concat(parts: string[], file: string): Promise<void> {
  writeFileSync(file, '');
  for (const part of parts) {
    await pipeline(createReadStream(part), createWriteStream(file, { flags: 'a' }));
    rmSync(part);
  }
}
