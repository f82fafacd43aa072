import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { InputError } from '../util/errors.ts';

/** One record of a small CSV file, with the file line it starts on (1-based). */
export interface CsvRecord {
  record: string[];
  info: { lines: number };
}

/**
 * Reads a small finance CSV (invoices, budgets, survey answers) whole: every
 * record with its line, the header first. A missing, unreadable, malformed or
 * empty file is an InputError naming the file (and the line, where there is one).
 */
export function readCsvRecords(file: string): CsvRecord[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError(file, undefined, undefined, code === 'ENOENT' ? 'no such file' : `cannot read: ${(e as Error).message}`);
  }
  let records: CsvRecord[];
  try {
    records = parse(text, { bom: true, info: true, skip_empty_lines: true, relax_column_count: true }) as never;
  } catch (e) {
    const err = e as Error & { lines?: number };
    throw new InputError(file, err.lines, undefined, `not a CSV file: ${err.message.replace(/^Invalid Record Length: /, '')}`);
  }
  if (!records.length) throw new InputError(file, undefined, undefined, 'empty file: no header');
  return records;
}
