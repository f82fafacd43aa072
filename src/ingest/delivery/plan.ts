import { readdirSync, statSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../../util/errors.ts';
import { notRegular } from '../files.ts';
import { isManifestName, readManifest, type ReadManifest } from './manifests.ts';
import type { DeliveryMode, DeliveryPlan } from './types.ts';

export interface PlanOptions {
  /** The importer: `focus` or `aws-cur`. */
  source: string;
  /** Loose files add to what is there instead of restating it (`--append`). */
  append?: boolean;
}

/**
 * Turns what the user gave (`allot ingest focus ARG...`) into deliveries:
 * a manifest file is one delivery (every part it lists, checked against its
 * byte counts here and its row counts on import); a folder holding manifests
 * is one delivery per export and billing period, from its newest manifest
 * (a later run restates the earlier ones); every other file, and the data
 * files of a folder without a manifest (Oracle's FOCUS reports have none),
 * are together one delivery of loose files. Nothing is read beyond
 * manifests and file sizes.
 */
export function planDeliveries(inputs: readonly string[], opts: PlanOptions): DeliveryPlan[] {
  const plans: DeliveryPlan[] = [];
  const loose: string[] = [];
  for (const input of inputs) {
    const st = statOrThrow(input);
    if (st.isDirectory()) {
      const { manifests, data } = walk(input);
      if (manifests.length) plans.push(...newestPerExport(manifests.map((m) => readManifest(m, opts.source))));
      else if (data.length) loose.push(...data);
      else throw new InputError(input, undefined, undefined, 'holds no export manifest and no export files');
    } else if (isManifestName(input)) {
      plans.push(readManifest(input, opts.source).plan);
    } else {
      loose.push(input);
    }
  }
  if (loose.length) {
    const mode: DeliveryMode = opts.append ? 'append' : 'restate';
    plans.push({ source: opts.source, layout: 'files', exportKey: 'files', mode, parts: loose.map((file) => ({ file })) });
  }
  for (const plan of plans) checkParts(plan);
  return plans;
}

function statOrThrow(file: string): Stats {
  try {
    return statSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError(file, undefined, undefined, code === 'ENOENT' ? 'no such file' : `cannot open: ${(e as Error).message}`);
  }
}

/** Export files Allot reads, by name; everything else in a bucket copy (SQL, YAML, test objects) is not data. */
const DATA_FILE = /\.(csv|csv\.gz|csv\.zip|gz|parquet)$/i;

/** Manifests and data files under a folder, in path order. */
function walk(dir: string): { manifests: string[]; data: string[] } {
  const manifests: string[] = [];
  const data: string[] = [];
  const visit = (d: string, depth: number): void => {
    if (depth > 10) return;
    for (const entry of readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const p = join(d, entry.name);
      if (entry.isDirectory()) visit(p, depth + 1);
      else if (isManifestName(p)) manifests.push(p);
      else if (entry.isFile() && DATA_FILE.test(entry.name)) data.push(p);
    }
  };
  visit(dir, 0);
  return { manifests, data };
}

/**
 * One manifest per export and billing period: the one the vendor keeps as
 * current (AWS and CUR copy each run's manifest into its own folder too),
 * else the latest submitted (Azure), else the last in path order.
 */
function newestPerExport(read: ReadManifest[]): DeliveryPlan[] {
  const groups = new Map<string, ReadManifest[]>();
  for (const r of read) {
    const key = `${r.plan.exportKey}\u0000${(r.plan.billingPeriods ?? []).join(',')}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  return [...groups.values()].map((g) => {
    const pool = g.some((r) => r.current) ? g.filter((r) => r.current) : g;
    return pool.reduce((best, r) => ((r.plan.deliveredAt ?? '') >= (best.plan.deliveredAt ?? '') ? r : best)).plan;
  });
}

/** Every listed part exists, is a regular file, and has the size the manifest says. */
function checkParts(plan: DeliveryPlan): void {
  const seen = new Set<string>();
  for (const part of plan.parts) {
    if (plan.manifest && seen.has(part.file)) {
      throw new InputError(part.file, undefined, undefined, `listed twice in ${plan.manifest}; nothing was imported`);
    }
    seen.add(part.file);
    let st;
    try {
      st = statSync(part.file);
    } catch {
      throw new InputError(part.file, undefined, undefined, plan.manifest ? `listed in ${plan.manifest} but missing; nothing was imported` : 'no such file');
    }
    if (!st.isFile()) throw notRegular(part.file, st);
    if (part.expectedBytes !== undefined && st.size !== part.expectedBytes) {
      throw new InputError(
        part.file,
        undefined,
        undefined,
        `${plan.manifest} lists ${part.expectedBytes} bytes for this part, the file has ${st.size}: a short or changed part; nothing was imported`,
      );
    }
  }
}
