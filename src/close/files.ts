import { writeAtomically } from '../util/files.ts';
import type { ChargebackExport } from './close.ts';

/** The manifest beside a chargeback CSV: `chargeback-2026-10.csv` → `chargeback-2026-10.manifest.json`. */
export const manifestPath = (csvFile: string): string => `${csvFile.replace(/\.csv$/i, '')}.manifest.json`;

/** Writes a chargeback export: the CSV and its manifest next to it, each atomically. */
export function writeChargebackFiles(exp: ChargebackExport, csvFile: string): { csv: string; manifest: string } {
  writeAtomically(csvFile, exp.csv);
  writeAtomically(manifestPath(csvFile), `${JSON.stringify(exp.manifest, null, 2)}\n`);
  return { csv: csvFile, manifest: manifestPath(csvFile) };
}
