import { createHash } from 'node:crypto';
import { createReadStream, type Stats } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import type { Store } from '../store/db.ts';
import { sqlFolder } from '../store/sql.ts';
import { cut, InputError } from '../util/errors.ts';

/*
 * Reading export files, for the importers that take files (FOCUS, AWS CUR):
 * what a file is by its first bytes, its SHA-256 (a re-import of the same
 * bytes is a no-op), and the physical line where each record starts (DuckDB
 * numbers records, users want the line of the file). Each importer keeps its
 * own format names and error wording; what differs between them is a
 * parameter here (gzip, whether `"` quotes, whether `\r` alone ends lines).
 */

export const LF = 0x0a;
export const CR = 0x0d;
const QUOTE = 0x22;

const sql = sqlFolder(new URL('./sql/', import.meta.url));

/** The refusal of anything but a regular file: a pipe, a device, a socket (an import reads its file several times). */
export function notRegular(file: string, st: Stats): InputError {
  const what = st.isFIFO() ? 'a pipe' : st.isCharacterDevice() || st.isBlockDevice() ? 'a device' : st.isDirectory() ? 'a directory' : st.isSocket() ? 'a socket' : 'not a file';
  return new InputError(file, undefined, undefined, `not a regular file (${what}): save the export to a file and import that`);
}

/**
 * The container by the first bytes, never the name: `PAR1` is Parquet, 1f 8b
 * is gzip, anything else plain text. A file that cannot be opened is an
 * InputError (`no such file` or `cannot open: …`), and so is anything but a
 * regular file: an import reads its file several times (hash, header, rows),
 * which a pipe cannot give and a device like /dev/zero never ends.
 */
export async function sniffFile(file: string): Promise<'parquet' | 'gzip' | 'plain'> {
  let handle;
  try {
    // Before opening: opening a pipe blocks until something writes to it.
    const st = await stat(file);
    if (!st.isFile()) throw notRegular(file, st);
    handle = await open(file, 'r');
  } catch (e) {
    if (e instanceof InputError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError(file, undefined, undefined, code === 'ENOENT' ? 'no such file' : `cannot open: ${(e as Error).message}`);
  }
  try {
    const head = Buffer.alloc(4);
    const { bytesRead } = await handle.read(head, 0, 4, 0);
    if (bytesRead === 4 && head.toString('latin1') === 'PAR1') return 'parquet';
    if (bytesRead >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
    return 'plain';
  } finally {
    await handle.close();
  }
}

/** The file's text as a stream of Buffers, gunzipped when `gzip`; a read error reaches the reader. */
export function textStream(file: string, gzip: boolean): Readable {
  const raw = createReadStream(file, { highWaterMark: 1 << 16 });
  if (!gzip) return raw;
  const gunzip = createGunzip();
  raw.on('error', (e) => gunzip.destroy(e));
  return raw.pipe(gunzip);
}

export interface FileScan {
  sha256: string;
  /** Text only: physical lines of the (decompressed) text. */
  lines?: number;
  /** Text only: the byte that ends a line (`\n`, or `\r` for old-Mac files when asked for). */
  newline?: number;
}

export interface ScanOptions {
  /** Count lines in the gunzipped text (the hash is always of the file's own bytes). */
  gzip?: boolean;
  /**
   * Count physical lines: 'lf' counts `\n`; 'lf-or-cr' counts `\r` instead
   * in a text that has no `\n` at all (old-Mac line ends). Omit for Parquet.
   */
  lines?: 'lf' | 'lf-or-cr';
}

function countByte(chunk: Buffer, byte: number): number {
  let n = 0;
  for (let i = chunk.indexOf(byte); i !== -1; i = chunk.indexOf(byte, i + 1)) n++;
  return n;
}

/** Counts physical lines of a byte stream (one pass, native indexOf). A last line without a line break counts. */
class LineCounter {
  lf = 0;
  cr = 0;
  last = -1;
  constructor(private readonly crLines: boolean) {}
  add(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.lf += countByte(chunk, LF);
    if (this.crLines && this.lf === 0) this.cr += countByte(chunk, CR);
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
 * Streams the file once: SHA-256 of its content (of the gunzipped text for
 * gzip, so a CSV and its .gz are the same content) and, with `lines`, a count of
 * the text's physical lines (which tells the caller whether records can be
 * numbered by line without scanRecordLines). Stream and gunzip errors are
 * thrown as they come; callers word them.
 */
export async function hashFile(file: string, opts: ScanOptions = {}): Promise<FileScan> {
  const hash = createHash('sha256');
  const input = createReadStream(file, { highWaterMark: 1 << 20 });
  if (!opts.lines) {
    await pipeline(input, async (source: AsyncIterable<Buffer>) => {
      for await (const chunk of source) hash.update(chunk);
    });
    return { sha256: hash.digest('hex') };
  }
  const counter = new LineCounter(opts.lines === 'lf-or-cr');
  const count = async (source: AsyncIterable<Buffer>): Promise<void> => {
    for await (const chunk of source) counter.add(chunk);
  };
  const tee = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      done(null, chunk);
    },
  });
  // The hash is of the content: a gzipped copy of a file is the same content.
  if (opts.gzip) await pipeline(input, createGunzip(), tee, count);
  else await pipeline(input, tee, count);
  return { sha256: hash.digest('hex'), ...counter.result() };
}

export interface RecordLineOptions {
  gzip?: boolean;
  /** The byte that ends a line (FileScan.newline); default `\n`, where a `\r` before it belongs to the break. */
  newline?: number;
  /** `"` quotes fields, which may hold line breaks (CSV); false for Hive text, which has no quoting. Default true. */
  quoting?: boolean;
}

/**
 * Where records start when that is not simply "record n is on line n+1":
 * quoted fields with line breaks, and blank lines (which DuckDB skips; a line
 * is blank if it is empty or just `\r`). The first record is the header.
 * Returns breakpoints `[firstNaiveLine, offset]`, sorted: a record whose naive
 * line (record number + 1) is >= firstNaiveLine starts `offset` lines further
 * down, up to the next breakpoint (see mapLine and applyLineMap). Quoting
 * follows DuckDB's reading with quote and escape `"`.
 */
export async function scanRecordLines(file: string, opts: RecordLineOptions = {}): Promise<[number, number][]> {
  const newline = opts.newline ?? LF;
  const quoting = opts.quoting ?? true;
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
  for await (const chunk of textStream(file, opts.gzip ?? false)) {
    const buf = chunk as Buffer;
    for (let i = 0; i < buf.length; i++) {
      const b = buf[i]!;
      if (inQuote) {
        if (b === QUOTE) inQuote = false;
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
        if (quoting && b === QUOTE) inQuote = true;
      }
    }
  }
  if (recordStart !== 0) endRecord();
  return points;
}

/** Record's naive line (record number + 1) → physical line, with the breakpoints of scanRecordLines. */
export function mapLine(naive: number, points: readonly [number, number][]): number {
  let off = 0;
  for (const [from, o] of points) {
    if (from > naive) break;
    off = o;
  }
  return naive + off;
}

/**
 * mapLine in SQL, for whole tables: loads the breakpoints into the temp table
 * `stage_line_map` (the caller drops it) and moves the line numbers of
 * stage_line_items, and of stage_rejects when `rejects`, from naive to
 * physical.
 */
export async function applyLineMap(store: Store, points: readonly [number, number][], rejects: boolean): Promise<void> {
  await store.run(sql('line-map'), [JSON.stringify(points.map((p) => p[0])), JSON.stringify(points.map((p) => p[1]))]);
  await store.run(sql('line-map-stage'));
  if (rejects) await store.run(sql('line-map-rejects'));
}

/**
 * The rows a file importer staged with one INSERT … SELECT, and how many of
 * them are invalid (a negative source_line marks one).
 */
export async function countStaged(store: Store): Promise<{ total: number; bad: number }> {
  const counts = (await store.one<{ total: string; bad: string }>(sql('stage-counts')))!;
  return { total: Number(counts.total), bad: Number(counts.bad) };
}

/**
 * A file's invalid rows, with their reasons, into the temp table
 * stage_rejects: `invalidRows` is the importer's query of them (it reads the
 * file again), `kind` its name for the file's format.
 */
export async function stageRejects(store: Store, file: string, kind: string, invalidRows: string): Promise<void> {
  await readingFile(file, kind, () => store.run(`CREATE OR REPLACE TEMP TABLE stage_rejects AS ${invalidRows}`));
}

/** Drops the temp tables of stageRejects and applyLineMap. */
export async function dropRejectsAndLineMap(store: Store): Promise<void> {
  await store.run('DROP TABLE IF EXISTS stage_rejects');
  await store.run('DROP TABLE IF EXISTS stage_line_map');
}

/** Drops the invalid staged rows, once they are kept in stage_rejects. */
export async function dropInvalidStaged(store: Store): Promise<void> {
  await store.run(sql('stage-drop-invalid'));
}

/** A Parquet file's columns in file order, with the types DuckDB reads them as. */
export function parquetColumns(store: Store, file: string): Promise<{ name: string; type: string }[]> {
  return readingFile(file, 'Parquet', () => store.all<{ name: string; type: string }>(sql('parquet-columns'), [file]));
}

/**
 * A bad row of a Parquet file: Parquet has no lines, so the message says
 * `FILE: row N: column X: why` (N counts from 1). `line` holds N.
 */
export class ParquetRowError extends InputError {
  constructor(file: string, row: number, column: string | undefined, why: string, more = 0) {
    super(file, row, column, why, more);
    this.message =
      `${file}: row ${row}: ${column ? `column ${column}: ` : ''}${why}` +
      (more > 0 ? ` (and ${more} more invalid row${more === 1 ? '' : 's'}; nothing was imported)` : '');
  }
}

/**
 * DuckDB's complaint about a file, as one line: the line number it names (a
 * CSV error), and its own words without the quoted row, its hints and its
 * reader settings, cut to 300 characters (DuckDB quotes whole rows, which may be megabytes).
 */
export function describeReadError(message: string): { line?: number; detail: string } {
  const lines = message.split('\n').map((l) => l.trim());
  const end = lines.findIndex((l) => /^Possible (fixes|Solution)/i.test(l));
  let line: number | undefined;
  const kept = (end === -1 ? lines : lines.slice(0, end))
    .map((l) => l.replace(/^(Invalid Input Error|IO Error|Conversion Error|Invalid Error): /, ''))
    .filter((l) => {
      const m = /^CSV Error on Line: (\d+)$/.exec(l);
      if (m) line = Number(m[1]);
      return l && !m && !/^(\*|LINE \d+:|\^|Original Line:|[a-z_]+ = )/.test(l);
    });
  return { ...(line === undefined ? {} : { line }), detail: cut(kept.slice(0, 4).join('; ')) };
}

/**
 * Runs a statement that reads `file`; DuckDB's complaints about the file
 * (unreadable, not `kind`, a value that does not convert) become an
 * InputError naming it, and the line where DuckDB gives one, in one line of
 * DuckDB's own words (describeReadError). Anything else is rethrown as it is.
 */
export async function readingFile<T>(file: string, kind: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    const msg = (e as Error).message ?? '';
    if (!/^(Invalid Input Error|IO Error|Conversion Error|Invalid Error)/.test(msg)) throw e;
    const { line, detail } = describeReadError(msg);
    throw new InputError(file, line, undefined, `cannot read as ${kind}: ${detail}`);
  }
}
