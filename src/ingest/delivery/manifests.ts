import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join, sep } from 'node:path';
import { InputError } from '../../util/errors.ts';
import type { DeliveryPlan, PlannedPart } from './types.ts';

/*
 * The vendors' delivery manifests, read into delivery plans. Each manifest
 * names the files of one export run; the files are looked up on disk where
 * the bucket or container was copied to (`aws s3 sync`, `azcopy`): the
 * manifest's own folder and its parents are tried with the listed key's
 * trailing folders, longest first.
 *
 * AWS Data Exports (FOCUS 1.x, CUR 2.0), `<export>-Manifest.json` under
 * `metadata/BILLING_PERIOD=YYYY-MM/`: `exportArn`, `executionId`, and
 * `dataFiles` as full `s3://` URIs; no row or byte counts, no period (it is
 * the `BILLING_PERIOD=` folder of the files). Each run restates the period.
 *
 * Legacy CUR, `<report>-Manifest.json` in the `yyyymmdd-yyyymmdd` folder
 * (and a copy in each assembly folder): `assemblyId`, `reportName`,
 * `bucket`, `billingPeriod.start` as `20180501T000000.000Z`, and
 * `reportKeys` relative to the bucket. Each assembly restates the month.
 *
 * Azure Cost Management exports, `manifest.json` (manifestVersion
 * 2024-04-01) beside the `part_N_NNNN` files of one run: `exportConfig`
 * (`resourceId` names the export), `runInfo` (`runId`, `submittedTime`,
 * `startDate` of the exported month, without a `Z`), and `blobs[]` with
 * `blobName` (relative to the container), `byteCount` and `dataRowCount`;
 * the legacy `_manifest.json` (2021-01-01) has blobs only. Each run of a
 * month-to-date export restates the month.
 */

/** File names vendors give their manifests. */
export function isManifestName(file: string): boolean {
  return /(^|-|_)manifest\.json$/i.test(basename(file));
}

/** A manifest read, with what picks the newest of several for one export and period. */
export interface ReadManifest {
  plan: DeliveryPlan;
  /** True for a manifest the vendor designates as the current one (not a per-run copy). */
  current: boolean;
}

export function readManifest(file: string, source: string): ReadManifest {
  const text = readFileSync(file);
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(text.toString('utf8').replace(/^\uFEFF/, '')) as Record<string, unknown>;
  } catch (e) {
    throw new InputError(file, undefined, undefined, `not a JSON manifest: ${(e as Error).message}`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new InputError(file, undefined, undefined, 'not a JSON object');
  const sha = createHash('sha256').update(text).digest('hex');
  const base = { source, manifest: file, manifestSha256: sha, mode: 'restate' as const };
  if ('dataFiles' in json || 'exportArn' in json) return awsDataExports(file, json, base);
  if ('reportKeys' in json || 'assemblyId' in json) return legacyCur(file, json, base);
  if ('blobs' in json) return azureExport(file, json, base);
  throw new InputError(file, undefined, undefined, 'not a manifest Allot knows (AWS Data Exports, AWS CUR, Azure Cost Management export)');
}

type Base = Pick<DeliveryPlan, 'source' | 'manifest' | 'manifestSha256' | 'mode'>;

function awsDataExports(file: string, json: Record<string, unknown>, base: Base): ReadManifest {
  const arn = str(file, json, 'exportArn');
  const executionId = str(file, json, 'executionId');
  const dataFiles = list(file, json, 'dataFiles').map((v, i) => {
    if (typeof v !== 'string' || !v.startsWith('s3://')) throw new InputError(file, undefined, `dataFiles[${i}]`, 'not an s3:// URI');
    return v;
  });
  const periods = new Set(dataFiles.map((u) => billingPeriodFolder(u)).filter((p): p is string => p !== undefined));
  const own = billingPeriodFolder(file);
  if (own) periods.add(own);
  const parts: PlannedPart[] = dataFiles.map((uri) => ({ file: locate(file, uri.replace(/^s3:\/\/[^/]+\//, ''), uri) }));
  // metadata/BILLING_PERIOD=…/<time>-<executionId>/ holds a per-run copy; the partition folder's manifest is the latest.
  const current = !basename(dirname(file)).endsWith(executionId);
  return {
    plan: { ...base, layout: 'aws-data-exports', exportKey: `aws-data-exports:${arn}`, ref: executionId, billingPeriods: [...periods].sort(), parts },
    current,
  };
}

function legacyCur(file: string, json: Record<string, unknown>, base: Base): ReadManifest {
  const assemblyId = str(file, json, 'assemblyId');
  const reportName = str(file, json, 'reportName');
  const bucket = typeof json.bucket === 'string' ? json.bucket : '';
  const period = json.billingPeriod as { start?: unknown } | undefined;
  const start = typeof period?.start === 'string' ? /^(\d{4})(\d{2})\d{2}T/.exec(period.start) : null;
  if (!start) throw new InputError(file, undefined, 'billingPeriod.start', 'missing or not like 20180501T000000.000Z');
  const keys = list(file, json, 'reportKeys').map((k, i) => {
    if (typeof k !== 'string' || !k) throw new InputError(file, undefined, `reportKeys[${i}]`, 'not an object key');
    return k;
  });
  const parts: PlannedPart[] = keys.map((key) => ({ file: locate(file, key, `s3://${bucket}/${key}`) }));
  // The report's own prefix tells two reports of the same name apart.
  const prefix = keys[0] ? keys[0].split('/').slice(0, keys[0].split('/').indexOf(reportName) + 1).join('/') : reportName;
  return {
    plan: {
      ...base,
      layout: 'aws-cur-manifest',
      exportKey: `aws-cur:${bucket}/${prefix}`,
      ref: assemblyId,
      billingPeriods: [`${start[1]}-${start[2]}`],
      parts,
    },
    // <report>/<yyyymmdd-yyyymmdd>/<assemblyId>/ holds a copy; the period folder's manifest is the latest.
    current: basename(dirname(file)) !== assemblyId,
  };
}

function azureExport(file: string, json: Record<string, unknown>, base: Base): ReadManifest {
  const blobs = list(file, json, 'blobs');
  const config = (json.exportConfig ?? {}) as Record<string, unknown>;
  const run = (json.runInfo ?? {}) as Record<string, unknown>;
  if (typeof json.blobCount === 'number' && json.blobCount !== blobs.length) {
    throw new InputError(file, undefined, 'blobCount', `says ${json.blobCount} files but blobs lists ${blobs.length}; nothing was imported`);
  }
  const parts: PlannedPart[] = blobs.map((b, i) => {
    const blob = b as Record<string, unknown>;
    const name = blob?.blobName;
    if (typeof name !== 'string' || !name) throw new InputError(file, undefined, `blobs[${i}].blobName`, 'missing');
    const part: PlannedPart = { file: locate(file, name, name) };
    if (typeof blob.dataRowCount === 'number') part.expectedRows = blob.dataRowCount;
    if (typeof blob.byteCount === 'number') part.expectedBytes = blob.byteCount;
    return part;
  });
  if (typeof json.dataRowCount === 'number' && parts.every((p) => p.expectedRows !== undefined)) {
    const sum = parts.reduce((n, p) => n + p.expectedRows!, 0);
    if (sum !== json.dataRowCount) {
      throw new InputError(file, undefined, 'dataRowCount', `says ${json.dataRowCount} rows but its blobs add up to ${sum}; nothing was imported`);
    }
  }
  // resourceId names the export (scope and name); the legacy manifest has none: its export folder does.
  const exportKey = typeof config.resourceId === 'string' && config.resourceId ? config.resourceId : exportFolder(file);
  const startDate = typeof run.startDate === 'string' ? /^(\d{4})-(\d{2})/.exec(run.startDate) : null;
  const periods = startDate ? [`${startDate[1]}-${startDate[2]}`] : dateRangeFolder(file);
  const submitted = typeof run.submittedTime === 'string' ? toIso(run.submittedTime) : undefined;
  return {
    plan: {
      ...base,
      layout: 'azure-export',
      exportKey: `azure:${exportKey}`,
      ref: typeof run.runId === 'string' ? run.runId : undefined,
      billingPeriods: periods,
      deliveredAt: submitted,
      parts,
    },
    current: true,
  };
}

const str = (file: string, json: Record<string, unknown>, key: string): string => {
  const v = json[key];
  if (typeof v !== 'string' || !v) throw new InputError(file, undefined, key, 'missing or not a string');
  return v;
};

const list = (file: string, json: Record<string, unknown>, key: string): unknown[] => {
  const v = json[key];
  if (!Array.isArray(v)) throw new InputError(file, undefined, key, 'missing or not a list');
  return v;
};

/** `BILLING_PERIOD=2025-03` (either case) in a path, as 2025-03. */
function billingPeriodFolder(path: string): string | undefined {
  return /billing_period=(\d{4}-\d{2})(?:[/\\]|$)/i.exec(path)?.[1];
}

/** Azure's `YYYYMMDD-YYYYMMDD` folder (end inclusive) as the months it starts in. */
function dateRangeFolder(path: string): string[] {
  const m = /[/\\](\d{4})(\d{2})\d{2}-\d{8}[/\\]/.exec(path);
  return m ? [`${m[1]}-${m[2]}`] : [];
}

/** The folder above Azure's date-range folder: the export's name, for manifests that do not say. */
function exportFolder(path: string): string {
  const parts = path.split(sep);
  const i = parts.findIndex((p) => /^\d{8}-\d{8}$/.test(p));
  return i > 0 ? parts.slice(0, i).join('/') : dirname(path);
}

/** 7 fractional digits (Azure) are more than Date takes; a time without a zone is UTC. */
function toIso(t: string): string | undefined {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})?$/.exec(t);
  if (!m) return undefined;
  const d = new Date(`${m[1]}${m[2] ? m[2].slice(0, 4) : ''}${m[3] ?? 'Z'}`);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

/**
 * Where a listed object (`key`, relative to the bucket or container) was
 * copied to: the manifest's folder and its parents, each with the key's
 * trailing path (longest first, at least the file and its folder when the
 * key has one). A part not found is named with where it was looked for.
 */
function locate(manifest: string, key: string, shown: string): string {
  const segs = key.split('/').filter(Boolean);
  const min = Math.min(2, segs.length);
  let dir = dirname(manifest);
  for (let depth = 0; depth < 12; depth++) {
    for (let n = segs.length; n >= min; n--) {
      const candidate = join(dir, ...segs.slice(segs.length - n));
      if (existsSync(candidate)) return candidate;
    }
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  // A manifest downloaded with its files into one folder.
  const flat = join(dirname(manifest), segs.at(-1) ?? '');
  if (segs.length && existsSync(flat)) return flat;
  throw new InputError(manifest, undefined, undefined, `lists ${shown}, which is not here (looked for …/${segs.slice(-min).join('/')} beside the manifest and in its parent folders); nothing was imported`);
}
