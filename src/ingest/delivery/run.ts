import type { Progress } from '../../util/progress.ts';
import type { Store } from '../../store/db.ts';
import { InputError } from '../../util/errors.ts';
import { commitDelivery, type CommitDeliveryOptions } from './commit.ts';
import type { DeliveredPart, DeliveryPlan, DeliveryResult } from './types.ts';

/** What a source's one-file import reports, as the delivery needs it. */
export interface FilePartResult {
  file: string;
  /** `noop`: an earlier import has this content (sameAs); `duplicate`: another part of this delivery has it. */
  status: 'active' | 'noop' | 'duplicate';
  importId: number;
  sameAs?: number;
  /** For a duplicate: the part with the same content. */
  sameFile?: string;
  sha256: string;
  rowsRead: number;
  rowsLoaded: number;
  rowsRejected: number;
  replaced: number[];
}

/** Lets a one-file import skip content another part of the same delivery already brought. */
export interface PartContext {
  /** The earlier part of this delivery with this content, if any. */
  duplicateOf(sha256: string): string | undefined;
}

export interface ImportDeliveryOptions extends CommitDeliveryOptions {
  /** Ticked once per part; the caller starts and stops it. */
  progress?: Progress;
  /** Drops what one part's import left behind (temp tables), after each part. After an error the rollback drops them. */
  cleanup: () => Promise<void>;
  /** Settles what only the rows can tell (e.g. an incremental source), once every part is in. */
  refine?: (plan: DeliveryPlan, importIds: number[]) => Promise<DeliveryPlan>;
}

/**
 * Imports the parts of one delivery, one file at a time, then records the
 * delivery (commitDelivery). Each part's row count is held against its
 * manifest's. Call inside store.transaction(): any error leaves nothing.
 */
export async function importDelivery<R extends FilePartResult>(
  store: Store,
  plan: DeliveryPlan,
  importOne: (file: string, ctx: PartContext) => Promise<R>,
  opts: ImportDeliveryOptions,
): Promise<{ delivery: DeliveryResult; results: R[] }> {
  const results: R[] = [];
  const parts: DeliveredPart[] = [];
  const seen = new Map<string, string>();
  const ctx: PartContext = { duplicateOf: (sha) => seen.get(sha) };
  for (const [i, planned] of plan.parts.entries()) {
    const r = await importOne(planned.file, ctx);
    await opts.cleanup();
    if (planned.expectedRows !== undefined && r.status !== 'duplicate' && r.rowsRead !== planned.expectedRows) {
      throw new InputError(
        planned.file,
        undefined,
        undefined,
        `${plan.manifest ?? 'the manifest'} lists ${planned.expectedRows} rows for this part, the file has ${r.rowsRead}: a short or changed part; nothing was imported`,
      );
    }
    if (r.status !== 'duplicate') seen.set(r.sha256, planned.file);
    results.push(r);
    parts.push({
      file: planned.file,
      importId: r.status === 'duplicate' ? null : r.status === 'noop' ? r.sameAs! : r.importId,
      fresh: r.status === 'active',
      sha256: r.sha256,
      rowsRead: r.rowsRead,
      rowsLoaded: r.rowsLoaded,
      rowsRejected: r.rowsRejected,
      expectedRows: planned.expectedRows,
      expectedBytes: planned.expectedBytes,
      note: r.status === 'duplicate' ? `same content as ${r.sameFile}; counted once` : r.status === 'noop' ? `same content as import #${r.sameAs}` : undefined,
    });
    opts.progress?.tick(i + 1);
    opts.progress?.step?.(`part ${i + 1} of ${plan.parts.length} imported: ${planned.file}`);
  }
  const importIds = parts.flatMap((p) => (p.importId === null ? [] : [p.importId]));
  const settled = opts.refine ? await opts.refine(plan, importIds) : plan;
  const delivery = await commitDelivery(store, settled, parts, opts);
  for (const r of results) r.replaced = r.status === 'active' ? delivery.replaced : [];
  return { delivery, results };
}
