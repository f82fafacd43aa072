import type { Progress } from '../cli/progress.ts';
import type { Store } from '../store/db.ts';
import { keepParts, noteParts, type ImportResult } from './commit.ts';

/** One file's import as importParts needs it: a no-op names the earlier import with the same content. */
export interface PartResult extends ImportResult {
  sameAs?: number;
}

export interface ImportPartsOptions {
  /** Ticked once per file; the caller starts and stops it. */
  progress?: Progress;
  /** Drops what one file's import left behind (temp tables), after each file. After an error the rollback drops them. */
  cleanup: () => Promise<void>;
}

/**
 * Imports `files` one at a time as the parts of one export: big months come
 * as several files, which never replace each other the way a newer export
 * replaces an older one (keepParts, noteParts). A no-op file stands for the
 * earlier import with its content, which is then a part too. Call inside
 * store.transaction(). Returns the results in file order and the ids of the
 * imports that wrote rows.
 */
export async function importParts<R extends PartResult>(
  store: Store,
  files: readonly string[],
  importOne: (file: string) => Promise<R>,
  opts: ImportPartsOptions,
): Promise<{ results: R[]; fresh: number[] }> {
  const results: R[] = [];
  const fresh: number[] = [];
  const parts = new Set<number>();
  for (const [i, file] of files.entries()) {
    const r = await importOne(file);
    results.push(r);
    if (r.status === 'noop') parts.add(r.sameAs!);
    else {
      fresh.push(r.importId);
      parts.add(r.importId);
    }
    await opts.cleanup();
    opts.progress?.tick(i + 1);
  }
  // Once all are in, so that a no-op naming an import that an earlier file of
  // this call superseded keeps that import too.
  if (fresh.length) await keepParts(store, fresh, parts);
  await noteParts(store, results, parts);
  return { results, fresh };
}
