import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import { createGunzip } from 'node:zlib';
import type { Progress } from '../../util/progress.ts';

/*
 * The one pass over a snapshot file before DuckDB reads it: its SHA-256 (of
 * the bytes as stored) and whether DuckDB's JSON reader may be trusted with
 * the text. DuckDB reads more than JSON.parse accepts (a comma before `]` or
 * `}`, NaN and Infinity, a vertical tab or form feed as white space, a lone
 * carriage return as white space where the line reader ends a line), and a
 * line with any of these must be refused exactly as the line reader refuses
 * it. The check looks at bytes, not at JSON structure, so it may also flag
 * such text inside a string: that only sends the file to the line reader.
 * A backslash anywhere is flagged too, so that every string DuckDB reads
 * is its bytes as written (no escapes to decode twice).
 */

const WS = '[ \\t\\r\\n]*';
const COMMA = new RegExp(`,${WS}[\\]}]`);
/** A trailing comma, or NaN / Infinity (in any case, signed) where a value starts. */
const SYNTAX = new RegExp(`${COMMA.source}|[:,[]${WS}[-+]?[nNiI][aAnN]`);
/** A carriage return not followed by a line feed (at a chunk's end: decided with the next chunk). */
const LONE_CR = /\r(?!\n|$)/;

/** What DuckDB reads and JSON.parse does not, in text read as latin1 (one char per byte); undefined if none. */
function lenientIn(s: string): string | undefined {
  // Single characters first: includes() is a memchr, far cheaper than a regular expression.
  if (s.includes('\\')) return 'an escape sequence';
  if (s.includes('\v') || s.includes('\f')) return 'a vertical tab or form feed';
  if (s.includes('\r') && LONE_CR.test(s)) return 'a carriage return that does not end a line';
  const m = SYNTAX.exec(s);
  if (m) return COMMA.test(m[0]) ? 'a comma before a closing bracket' : 'what may be NaN or Infinity';
  return undefined;
}

/** Non-white characters either side of a chunk boundary that a match can span, with room to spare. */
const REACH = 32;

const isWhite = (c: number) => c === 0x20 || c === 0x09 || c === 0x0a;

/**
 * Finds text DuckDB's JSON reader would read differently from JSON.parse,
 * fed the decompressed text in chunks of any size. Pure.
 */
export class LenientJsonCheck {
  /** Why the text is not for DuckDB; undefined while nothing is found. */
  problem: string | undefined;
  private carry = '';
  private first = true;

  push(chunk: Buffer): void {
    if (this.problem !== undefined || chunk.length === 0) return;
    if (this.first) {
      this.first = false;
      // DuckDB refuses a BOM; the line reader drops it. Either way: the line reader.
      if (chunk.length >= 3 && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) {
        this.problem = 'a byte order mark';
        return;
      }
    }
    const s = chunk.toString('latin1');
    this.problem = (this.carry ? lenientIn(this.carry + s.slice(0, reachForward(s))) : undefined) ?? lenientIn(s);
    if (this.problem !== undefined) return;
    const from = reachBack(s);
    this.carry = from > 0 ? s.slice(from) : tail(this.carry + s);
  }
}

/** End of the prefix of `s` that holds its first REACH non-white characters. */
function reachForward(s: string): number {
  let seen = 0;
  for (let i = 0; i < s.length; i++) if (!isWhite(s.charCodeAt(i)) && ++seen > REACH) return i;
  return s.length;
}

/** The end of `s` a match continuing in the next chunk can start in; long white runs shortened to their first character. */
function tail(s: string): string {
  const t = s.slice(reachBack(s));
  return t.length > 64 * REACH ? t.replace(/([ \t\n])[ \t\n]*/g, '$1') : t;
}

/** Start of the suffix of `s` that holds its last REACH non-white characters (0: all of it). */
function reachBack(s: string): number {
  let seen = 0;
  for (let i = s.length - 1; i >= 0; i--) if (!isWhite(s.charCodeAt(i)) && ++seen > REACH) return i + 1;
  return 0;
}

export interface SnapshotFileScan {
  sha256: string;
  /** Why the file goes to the line reader (see LenientJsonCheck); undefined when DuckDB may read it. */
  lenient?: string;
}

/**
 * Hashes the file and checks its (gunzipped) text in one read. Reports
 * progress in bytes of the file. A gzip stream that does not decompress is
 * `lenient` (the line reader then reports it with its line).
 */
export async function scanSnapshotFile(file: string, gzip: boolean, size: number, progress?: Progress): Promise<SnapshotFileScan> {
  const hash = createHash('sha256');
  const check = new LenientJsonCheck();
  const raw = createReadStream(file, { highWaterMark: 1 << 20 });
  progress?.start(`ingest k8s ${basename(file)}`, size);
  try {
    if (!gzip) {
      for await (const chunk of raw as AsyncIterable<Buffer>) {
        hash.update(chunk);
        check.push(chunk);
        progress?.tick(raw.bytesRead);
      }
      return { sha256: hash.digest('hex'), ...(check.problem ? { lenient: check.problem } : {}) };
    }
    const gunzip = createGunzip();
    let unreadable: string | undefined;
    const text = (async () => {
      try {
        for await (const chunk of gunzip as AsyncIterable<Buffer>) check.push(chunk);
      } catch (e) {
        unreadable = `cannot decompress: ${(e as Error).message}`;
      }
    })();
    // A gzip error destroys the stream: hashing goes on, decompressing stops.
    const writable = () =>
      new Promise<void>((resolve) => {
        const done = () => {
          gunzip.off('drain', done);
          gunzip.off('close', done);
          resolve();
        };
        gunzip.on('drain', done);
        gunzip.on('close', done);
      });
    for await (const chunk of raw as AsyncIterable<Buffer>) {
      hash.update(chunk);
      progress?.tick(raw.bytesRead);
      if (!gunzip.destroyed && !gunzip.write(chunk)) await writable();
    }
    if (!gunzip.destroyed) gunzip.end();
    await text;
    const lenient = unreadable ?? check.problem;
    return { sha256: hash.digest('hex'), ...(lenient ? { lenient } : {}) };
  } finally {
    raw.destroy();
    progress?.stop();
  }
}
