import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { parse } from 'csv-parse';
import { InputError } from '../../util/errors.ts';

export type FocusFormat = 'csv' | 'csv.gz' | 'parquet';

/** Tells the format from the first bytes (not the name): `PAR1` is Parquet, 1f 8b is gzip. */
export async function detectFormat(file: string): Promise<FocusFormat> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError(file, undefined, undefined, code === 'ENOENT' ? 'no such file' : `cannot open: ${(e as Error).message}`);
  }
  try {
    const head = Buffer.alloc(4);
    const { bytesRead } = await handle.read(head, 0, 4, 0);
    if (bytesRead === 4 && head.toString('latin1') === 'PAR1') return 'parquet';
    if (/\.parquet$/i.test(file)) throw new InputError(file, undefined, undefined, 'not a Parquet file (it does not start with PAR1)');
    if (bytesRead >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'csv.gz';
    return 'csv';
  } finally {
    await handle.close();
  }
}

export interface FileScan {
  sha256: string;
  /** CSV only: physical lines of the (decompressed) text, counted by `\n` (or by `\r` in a file that has no `\n`). */
  lines?: number;
  /** CSV only: the byte that ends a line (`\n`, or `\r` for old-Mac files). */
  newline?: number;
}

const LF = 0x0a;
const CR = 0x0d;

function countByte(chunk: Buffer, byte: number): number {
  let n = 0;
  for (let i = chunk.indexOf(byte); i !== -1; i = chunk.indexOf(byte, i + 1)) n++;
  return n;
}

/** Counts physical lines of a byte stream (one pass, native indexOf). */
class LineCounter {
  lf = 0;
  cr = 0;
  last = -1;
  add(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.lf += countByte(chunk, LF);
    if (this.lf === 0) this.cr += countByte(chunk, CR);
    this.last = chunk[chunk.length - 1]!;
  }
  result(): { lines: number; newline: number } {
    const newline = this.lf === 0 && this.cr > 0 ? CR : LF;
    const breaks = newline === LF ? this.lf : this.cr;
    if (this.last === -1) return { lines: 0, newline };
    return { lines: breaks + (this.last === newline ? 0 : 1), newline };
  }
}

/**
 * Streams the file once: SHA-256 of its bytes (what makes a re-import a no-op)
 * and, for CSV, a count of its physical lines (decompressed for csv.gz).
 */
export async function scanFile(file: string, format: FocusFormat): Promise<FileScan> {
  const hash = createHash('sha256');
  const input = createReadStream(file, { highWaterMark: 1 << 20 });
  if (format === 'parquet') {
    await pipeline(input, async (source: AsyncIterable<Buffer>) => {
      for await (const chunk of source) hash.update(chunk);
    });
    return { sha256: hash.digest('hex') };
  }
  const counter = new LineCounter();
  if (format === 'csv.gz') {
    const tee = new Transform({
      transform(chunk: Buffer, _enc, done) {
        hash.update(chunk);
        done(null, chunk);
      },
    });
    try {
      await pipeline(input, tee, createGunzip(), async (source: AsyncIterable<Buffer>) => {
        for await (const chunk of source) counter.add(chunk);
      });
    } catch (e) {
      throw new InputError(file, undefined, undefined, `cannot decompress gzip: ${(e as Error).message}`);
    }
  } else {
    await pipeline(input, async (source: AsyncIterable<Buffer>) => {
      for await (const chunk of source) {
        hash.update(chunk);
        counter.add(chunk);
      }
    });
  }
  return { sha256: hash.digest('hex'), ...counter.result() };
}

function textStream(file: string, format: FocusFormat): Readable {
  const raw = createReadStream(file, { highWaterMark: 1 << 16 });
  if (format !== 'csv.gz') return raw;
  const gunzip = createGunzip();
  raw.on('error', (e) => gunzip.destroy(e));
  return raw.pipe(gunzip);
}

/** The header record of a CSV (RFC 4180 quoting, a UTF-8 BOM dropped). */
export async function readCsvHeader(file: string, format: FocusFormat): Promise<string[]> {
  const text = textStream(file, format);
  const parser = text.pipe(parse({ bom: true, to: 1, relax_column_count: true, relax_quotes: true }));
  text.on('error', (e) => parser.destroy(e));
  try {
    for await (const record of parser) return record as string[];
  } catch (e) {
    throw new InputError(file, 1, undefined, `cannot read the CSV header: ${(e as Error).message}`);
  } finally {
    text.destroy();
  }
  throw new InputError(file, undefined, undefined, 'empty file: no CSV header');
}

/**
 * Where CSV records start when that is not simply "record n is on line n+1":
 * quoted fields with line breaks, and blank lines (which DuckDB skips). Returns
 * breakpoints `[firstNaiveLine, offset]`, sorted: a record whose naive line
 * (record number + 1) is >= firstNaiveLine starts `offset` lines further down,
 * up to the next breakpoint. The scanner follows DuckDB's reading with quote
 * and escape `"`: a line is blank if it is empty (or just `\r`).
 */
export async function scanCsvRecordLines(file: string, format: FocusFormat, newline: number): Promise<[number, number][]> {
  const points: [number, number][] = [];
  let inQuote = false;
  let line = 1; // current physical line
  let recordIndex = 0; // 0 = header
  let recordStart = 0; // physical line where the current record began; 0 = not in a record
  let offset = 0;
  const endRecord = (): void => {
    if (recordIndex > 0) {
      const naive = recordIndex + 1;
      const off = recordStart - naive;
      if (off !== offset) {
        points.push([naive, off]);
        offset = off;
      }
    }
    recordIndex++;
    recordStart = 0;
  };
  for await (const chunk of textStream(file, format)) {
    const buf = chunk as Buffer;
    for (let i = 0; i < buf.length; i++) {
      const b = buf[i]!;
      if (inQuote) {
        if (b === 0x22) inQuote = false;
        else if (b === newline) line++;
        continue;
      }
      if (b === newline) {
        if (recordStart !== 0) endRecord();
        line++;
      } else if (b === CR && newline === LF) {
        // the CR of a CRLF: part of the line break
      } else {
        if (recordStart === 0) recordStart = line;
        if (b === 0x22) inQuote = true;
      }
    }
  }
  if (recordStart !== 0) endRecord();
  return points;
}
