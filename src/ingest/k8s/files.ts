import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';
import type { Progress } from '../../util/progress.ts';
import type { Store } from '../../store/db.ts';
import { InputError } from '../../util/errors.ts';
import { hashFile, sniffFile } from '../files.ts';
import { importSnapshotItems, type SnapshotImportResult, type SnapshotItem } from './commit.ts';
import { importSnapshotFileFast } from './fast.ts';
import { scanSnapshotFile } from './scan.ts';

export interface IngestSnapshotOptions {
  /** Reports bytes read for files of at least `progressMinBytes`. */
  progress?: Progress;
  /** Default 4 MB: smaller files finish before a bar would show. */
  progressMinBytes?: number;
  /**
   * 'lines' reads every file line by line (JSON.parse and the schema in
   * snapshot.ts); the default lets DuckDB read it and falls back to the lines
   * whenever DuckDB's reading is refused or fails.
   */
  reader?: 'auto' | 'lines';
}

const READ_CHUNK = 1 << 20;

/**
 * `allot ingest k8s --snapshots FILE...`: each file (JSONL, or gzipped JSONL
 * recognised by its magic bytes) is one import, all or nothing, committed
 * before the next file is read. A file whose content was imported before is a
 * no-op. A bad line throws InputError `FILE:LINE: field …: why`; files before
 * it stay imported.
 *
 * A file is read by DuckDB (fast.ts) when one pass over its bytes (scan.ts)
 * finds nothing DuckDB reads differently from JSON.parse; if DuckDB's reading
 * finds anything wrong, nothing of it is kept and the file is read line by
 * line, which words the error. So errors and stored rows are those of the
 * line reader either way.
 */
export async function ingestSnapshotFiles(store: Store, files: string[], opts: IngestSnapshotOptions = {}): Promise<SnapshotImportResult[]> {
  const results: SnapshotImportResult[] = [];
  for (const file of files) results.push(await ingestSnapshotFile(store, file, opts));
  return results;
}

export async function ingestSnapshotFile(store: Store, file: string, opts: IngestSnapshotOptions = {}): Promise<SnapshotImportResult> {
  let size: number;
  try {
    const st = await stat(file);
    if (!st.isFile()) throw Object.assign(new Error('not a file'), { code: 'not a regular file' });
    size = st.size;
  } catch (e) {
    throw new InputError(file, undefined, undefined, `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const gzip = (await sniffFile(file)) === 'gzip';
  const progress = opts.progress && size >= (opts.progressMinBytes ?? 4 * 1024 * 1024) ? opts.progress : undefined;
  const meta = { source: 'k8s', file, format: gzip ? 'jsonl.gz' : 'jsonl' };
  let sha256: string | undefined;
  let takenId: number | undefined;
  if (opts.reader !== 'lines') {
    // A file that cannot be scanned is left to the line reader, which reports why.
    const scan = await scanSnapshotFile(file, gzip, size, progress).catch(() => undefined);
    sha256 = scan?.sha256;
    if (scan && scan.lenient === undefined) {
      const fast = await importSnapshotFileFast(store, { ...meta, sha256: scan.sha256 }, gzip);
      if (fast.ok) return fast.result;
      takenId = fast.importId;
    }
  }
  sha256 ??= (await hashFile(file)).sha256; // of the bytes as stored
  return importSnapshotItems(store, { ...meta, sha256 }, readSnapshotLines(file, gzip, size, progress), takenId);
}

/** The file's non-blank lines, parsed; streamed, never the whole file in memory. */
async function* readSnapshotLines(file: string, gzip: boolean, size: number, progress?: Progress): AsyncGenerator<SnapshotItem> {
  const raw = createReadStream(file, { highWaterMark: READ_CHUNK });
  let input: Readable = raw;
  if (gzip) {
    const gunzip = createGunzip();
    raw.on('error', (e) => gunzip.destroy(e));
    input = raw.pipe(gunzip);
  }
  const rl = createInterface({ input, crlfDelay: Infinity });
  progress?.start(`ingest k8s ${basename(file)}`, size);
  let line = 0;
  try {
    for await (let text of rl) {
      line++;
      if (line === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      progress?.tick(raw.bytesRead);
      if (text.trim() === '') continue;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (e) {
        yield { line, syntaxError: (e as Error).message };
        continue;
      }
      yield { line, value };
    }
  } catch (e) {
    throw new InputError(file, line + 1, undefined, `cannot read: ${(e as Error).message}`);
  } finally {
    rl.close();
    raw.destroy();
    progress?.stop();
  }
}
