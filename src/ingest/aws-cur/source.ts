import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { parse } from 'csv-parse/sync';
import { InputError } from '../../util/errors.ts';

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

/** Opens the file's first bytes: `PAR1` is Parquet, `1f 8b` gzip; a text file's first line tells CSV from Hive text. */
export async function detectFormat(file: string): Promise<{ format: CurFormat; header?: string[] }> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError(file, undefined, undefined, code === 'ENOENT' ? 'no such file' : `cannot open: ${(e as Error).message}`);
  }
  let gzip = false;
  try {
    const head = Buffer.alloc(4);
    const { bytesRead } = await handle.read(head, 0, 4, 0);
    if (bytesRead === 4 && head.toString('latin1') === 'PAR1') return { format: 'parquet' };
    gzip = bytesRead >= 2 && head[0] === 0x1f && head[1] === 0x8b;
  } finally {
    await handle.close();
  }
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

function textStream(file: string, gzip: boolean): Readable {
  const raw = createReadStream(file, { highWaterMark: 1 << 16 });
  if (!gzip) return raw;
  const gunzip = createGunzip();
  raw.on('error', (e) => gunzip.destroy(e));
  return raw.pipe(gunzip);
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

export interface FileScan {
  sha256: string;
  /** Text only: physical lines of the (decompressed) text. */
  lines?: number;
}

/** Streams the file once: SHA-256 of its bytes (a re-import of them is a no-op) and, for text, its physical line count. */
export async function scanFile(file: string, format: CurFormat): Promise<FileScan> {
  const hash = createHash('sha256');
  const input = createReadStream(file, { highWaterMark: 1 << 20 });
  if (!isText(format)) {
    await pipeline(input, async (source: AsyncIterable<Buffer>) => {
      for await (const chunk of source) hash.update(chunk);
    });
    return { sha256: hash.digest('hex') };
  }
  let lf = 0;
  let last = -1;
  const count = (chunk: Buffer): void => {
    if (chunk.length === 0) return;
    for (let i = chunk.indexOf(0x0a); i !== -1; i = chunk.indexOf(0x0a, i + 1)) lf++;
    last = chunk[chunk.length - 1]!;
  };
  const tee = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      done(null, chunk);
    },
  });
  try {
    if (isGzip(format)) {
      await pipeline(input, tee, createGunzip(), async (source: AsyncIterable<Buffer>) => {
        for await (const chunk of source) count(chunk);
      });
    } else {
      await pipeline(input, tee, async (source: AsyncIterable<Buffer>) => {
        for await (const chunk of source) count(chunk);
      });
    }
  } catch (e) {
    throw new InputError(file, undefined, undefined, `cannot read: ${(e as Error).message}`);
  }
  const lines = last === -1 ? 0 : lf + (last === 0x0a ? 0 : 1);
  return { sha256: hash.digest('hex'), lines };
}

/**
 * Where records start when that is not "record n is on line n+1": quoted
 * fields with line breaks (CSV only) and blank lines (which DuckDB skips).
 * Returns breakpoints `[firstNaiveLine, offset]`: a record whose naive line
 * (record number + 1) is >= firstNaiveLine starts `offset` lines further down,
 * up to the next breakpoint.
 */
export async function scanRecordLines(file: string, format: CurFormat): Promise<[number, number][]> {
  const quoting = !isHive(format);
  const points: [number, number][] = [];
  let inQuote = false;
  let line = 1;
  let recordIndex = 0; // 0 = header
  let recordStart = 0; // physical line where the current record began; 0 = none yet
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
  for await (const chunk of textStream(file, isGzip(format))) {
    const buf = chunk as Buffer;
    for (let i = 0; i < buf.length; i++) {
      const b = buf[i]!;
      if (inQuote) {
        if (b === 0x22) inQuote = false;
        else if (b === 0x0a) line++;
        continue;
      }
      if (b === 0x0a) {
        if (recordStart !== 0) endRecord();
        line++;
      } else if (b !== 0x0d) {
        if (recordStart === 0) recordStart = line;
        if (quoting && b === 0x22) inQuote = true;
      }
    }
  }
  if (recordStart !== 0) endRecord();
  return points;
}

/** Record's naive line → physical line, with the breakpoints of scanRecordLines. */
export function mapLine(naive: number, points: readonly [number, number][]): number {
  let off = 0;
  for (const [from, o] of points) {
    if (from > naive) break;
    off = o;
  }
  return naive + off;
}
