import type { Progress } from '../../util/progress.ts';
import type { Store } from '../../store/db.ts';
import { InputError } from '../../util/errors.ts';
import { discardPending } from './pending.ts';
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
  /** Before a plan's first part is imported (e.g. a table its parts fill). */
  start?: (plan: DeliveryPlan) => Promise<void>;
  /** Once a plan's parts are in, in the transaction that wrote them: checks of the files' own totals. Throw to import nothing. */
  partsIn?: (plan: DeliveryPlan, results: FilePartResult[]) => Promise<void>;
  /** Settles what only the rows can tell (e.g. an incremental source), once every part is in. */
  refine?: (plan: DeliveryPlan, importIds: number[]) => Promise<DeliveryPlan>;
}

/** What one delivery brought: the delivery as recorded and each part's import. */
export interface ImportedDelivery<R extends FilePartResult> {
  delivery: DeliveryResult;
  results: R[];
}

/**
 * Imports deliveries in two transactions. First every part of every plan:
 * its rows go in pending (../commit.ts), each part's row count is held against
 * its manifest's, and `partsIn` checks what only the files can tell; then
 * commit. Second, each delivery is settled and recorded (commitDelivery),
 * which makes its rows current. DuckDB keeps a transaction's new rows in
 * memory, so a delivery of millions of rows could not be checked in the
 * transaction that wrote them. Any error leaves nothing: the first
 * transaction rolls back, or the rows it committed are deleted.
 */
export async function importDeliveries<R extends FilePartResult>(
  store: Store,
  plans: DeliveryPlan[],
  importOne: (file: string, ctx: PartContext) => Promise<R>,
  opts: ImportDeliveryOptions,
): Promise<ImportedDelivery<R>[]> {
  const imported = await store.transaction(async () => {
    await discardPending(store);
    const out: { plan: DeliveryPlan; parts: DeliveredPart[]; results: R[] }[] = [];
    for (const plan of plans) {
      await opts.start?.(plan);
      const { parts, results } = await importParts(store, plan, importOne, opts);
      await opts.partsIn?.(plan, results);
      out.push({ plan, parts, results });
    }
    return out;
  });
  try {
    return await store.transaction(async () => {
      const out: ImportedDelivery<R>[] = [];
      for (const { plan, parts, results } of imported) {
        const importIds = parts.flatMap((p) => (p.importId === null ? [] : [p.importId]));
        const settled = opts.refine ? await opts.refine(plan, importIds) : plan;
        const delivery = await commitDelivery(store, settled, parts, opts);
        for (const r of results) r.replaced = r.status === 'active' ? delivery.replaced : [];
        out.push({ delivery, results });
      }
      return out;
    });
  } catch (err) {
    const written = imported.flatMap(({ parts }) => parts.flatMap((p) => (p.fresh && p.importId !== null ? [p.importId] : [])));
    await store.transaction(() => discardPending(store, written));
    throw err;
  }
}

/** One file at a time, the parts of one plan into line_items (pending). */
async function importParts<R extends FilePartResult>(
  store: Store,
  plan: DeliveryPlan,
  importOne: (file: string, ctx: PartContext) => Promise<R>,
  opts: ImportDeliveryOptions,
): Promise<{ parts: DeliveredPart[]; results: R[] }> {
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
  return { parts, results };
}
