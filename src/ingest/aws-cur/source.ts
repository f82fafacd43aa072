import { parse } from 'csv-parse/sync';
import { InputError } from '../../util/errors.ts';
import { hashFile, sniffFile, textStream, type FileScan } from '../files.ts';
import { describeColumns, duplicateColumn } from './columns.ts';

/**
 * How the bytes are laid out: Parquet, CSV (`,` and `"`), or Hive text (the
 * Athena table's own storage: `\x01` between fields, no quoting, `\N` for
 * NULL, here with a header row); the text ones optionally gzipped.
 */
export type CurFormat = 'parquet' | 'csv' | 'csv.gz' | 'hive' | 'hive.gz';

export const isText = (f: CurFormat): boolean => f !== 'parquet';
export const isGzip = (f: CurFormat): boolean => f.endsWith('.gz');
export const isHive = (f: CurFormat): boolean => f.startsWith('hive');

const HIVE_DELIM = '\x01';

/**
 * Opens the file's first bytes: `PAR1` is Parquet, `1f 8b` gzip; a text
 * file's first line tells CSV from Hive text. A text header with two columns
 * of one name (`resourceTags/user:team` twice) is an InputError naming both.
 */
export async function detectFormat(file: string): Promise<{ format: CurFormat; header?: string[] }> {
  const found = await detectLayout(file);
  if (found.header) {
    const dup = duplicateColumn(describeColumns(found.header.map((name) => ({ name, type: 'VARCHAR' }))).columns);
    if (dup) {
      throw new InputError(file, 1, undefined, `duplicate column: "${dup.first}" (column ${dup.at[0]}) and "${dup.second}" (column ${dup.at[1]}) name the same column; remove one`);
    }
  }
  return found;
}

async function detectLayout(file: string): Promise<{ format: CurFormat; header?: string[] }> {
  const kind = await sniffFile(file);
  if (kind === 'parquet') return { format: 'parquet' };
  const gzip = kind === 'gzip';
  const line = await readFirstLine(file, gzip);
  if (line === undefined) throw new InputError(file, undefined, undefined, 'empty file: no header row');
  if (line.includes(HIVE_DELIM)) {
    return { format: gzip ? 'hive.gz' : 'hive', header: line.replace(/\r$/, '').split(HIVE_DELIM) };
  }
  let header: string[];
  try {
    header = (parse(line, { bom: true, relax_quotes: true, relax_column_count: true }) as string[][])[0] ?? [];
  } catch (e) {
    throw new InputError(file, 1, undefined, `cannot read the CSV header: ${(e as Error).message}`);
  }
  return { format: gzip ? 'csv.gz' : 'csv', header: header.map((h) => h.trim()) };
}

/** The first line of a (possibly gzipped) text file, without its line break; a UTF-8 BOM is dropped. */
async function readFirstLine(file: string, gzip: boolean): Promise<string | undefined> {
  const stream = textStream(file, gzip);
  const parts: Buffer[] = [];
  try {
    for await (const chunk of stream) {
      const buf = chunk as Buffer;
      const nl = buf.indexOf(0x0a);
      if (nl >= 0) {
        parts.push(buf.subarray(0, nl));
        break;
      }
      parts.push(buf);
    }
  } catch (e) {
    throw new InputError(file, undefined, undefined, `cannot decompress gzip: ${(e as Error).message}`);
  } finally {
    stream.destroy();
  }
  const text = Buffer.concat(parts).toString('utf8').replace(/^\uFEFF/, '').replace(/\r$/, '');
  return parts.length === 0 ? undefined : text;
}

/** Streams the file once: SHA-256 of its bytes (a re-import of them is a no-op) and, for text, its physical line count (by `\n`). */
export async function scanFile(file: string, format: CurFormat): Promise<FileScan> {
  if (!isText(format)) return hashFile(file);
  try {
    return await hashFile(file, { gzip: isGzip(format), lines: 'lf' });
  } catch (e) {
    throw new InputError(file, undefined, undefined, `cannot read: ${(e as Error).message}`);
  }
}
