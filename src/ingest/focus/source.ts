import { parse } from 'csv-parse';
import { InputError } from '../../util/errors.ts';
import { hashFile, sniffFile, textStream, type FileScan } from '../files.ts';
import { describeDuplicate, duplicateColumn } from './columns.ts';

export type FocusFormat = 'csv' | 'csv.gz' | 'parquet';

/** Tells the format from the first bytes (not the name): `PAR1` is Parquet, 1f 8b is gzip. */
export async function detectFormat(file: string): Promise<FocusFormat> {
  const kind = await sniffFile(file);
  if (kind === 'parquet') return 'parquet';
  if (/\.parquet$/i.test(file)) throw new InputError(file, undefined, undefined, 'not a Parquet file (it does not start with PAR1)');
  return kind === 'gzip' ? 'csv.gz' : 'csv';
}

/**
 * Streams the file once: SHA-256 of its bytes (what makes a re-import a no-op)
 * and, for CSV, a count of its physical lines (decompressed for csv.gz), by
 * `\n`, or by `\r` in a file that has no `\n`.
 */
export async function scanFile(file: string, format: FocusFormat): Promise<FileScan> {
  if (format === 'parquet') return hashFile(file);
  if (format === 'csv') return hashFile(file, { lines: 'lf-or-cr' });
  try {
    return await hashFile(file, { gzip: true, lines: 'lf-or-cr' });
  } catch (e) {
    throw new InputError(file, undefined, undefined, `cannot decompress gzip: ${(e as Error).message}`);
  }
}

/** The header record of a CSV (RFC 4180 quoting, a UTF-8 BOM dropped); two columns of one name are an InputError. */
export async function readCsvHeader(file: string, format: FocusFormat): Promise<string[]> {
  const text = textStream(file, format === 'csv.gz');
  const parser = text.pipe(parse({ bom: true, to: 1, relax_column_count: true, relax_quotes: true }));
  text.on('error', (e) => parser.destroy(e));
  let header: string[] | undefined;
  try {
    for await (const record of parser) {
      header = record as string[];
      break;
    }
  } catch (e) {
    throw new InputError(file, 1, undefined, `cannot read the CSV header: ${(e as Error).message}`);
  } finally {
    text.destroy();
  }
  if (!header) throw new InputError(file, undefined, undefined, 'empty file: no CSV header');
  const other = header.length === 1 ? [';', '\t', '|'].find((d) => header[0]!.includes(d)) : undefined;
  if (other) {
    throw new InputError(file, 1, undefined, `the header is one column with "${other === '\t' ? '\\t' : other}" in it: a FOCUS CSV is comma-separated`);
  }
  const dup = duplicateColumn(header);
  if (dup) throw new InputError(file, 1, undefined, describeDuplicate(dup));
  return header;
}
