// What the scheduled jobs (jobs/) keep in and read from the store: the steps
// of a pipeline run and the fencing token (migration 004), the high-water
// marks that let a restarted step find what a dead worker committed, and
// when each source last delivered.
import type { Store } from './db.ts';
import { sqlFolder } from './sql.ts';

const sql = sqlFolder(new URL('./sql/', import.meta.url));

export const FENCE_NAME = 'store';

/** The ids already used in the store, so a restarted step can tell its own writes apart. */
export interface Marks {
  import_id: number;
  run_id: number;
  send_id: number;
}

export async function highWaterMarks(store: Store): Promise<Marks> {
  return (await store.one<Marks>(sql('high-water-marks')))!;
}

export interface StepRecord {
  step_id: string;
  status: 'running' | 'done';
  marks: Marks;
  result: unknown;
  attempts: number;
}

export async function readStep(store: Store, stepId: string): Promise<StepRecord | undefined> {
  const r = await store.one<{ step_id: string; status: 'running' | 'done'; marks: string; result: string | null; attempts: number }>(sql('step-read'), [stepId]);
  if (!r) return undefined;
  return { step_id: r.step_id, status: r.status, marks: JSON.parse(r.marks) as Marks, result: r.result === null ? null : JSON.parse(r.result), attempts: r.attempts };
}

export async function markStepRunning(store: Store, s: { stepId: string; runKey: string; stage: string; marks: Marks; fence: number | null; attempts: number }): Promise<void> {
  await store.run(sql('step-running'), [s.stepId, s.runKey, s.stage, JSON.stringify(s.marks), s.fence, s.attempts]);
}

export async function markStepDone(store: Store, stepId: string, result: unknown, fence: number | null): Promise<void> {
  await store.run(sql('step-done'), [stepId, JSON.stringify(result ?? null), fence]);
}

/** The recorded fencing token and its holder (0 and null when none). */
export async function readFence(store: Store): Promise<{ token: number; holder: string | null }> {
  const r = await store.one<{ token: string; holder: string | null }>(sql('fence-read'), [FENCE_NAME]);
  return { token: r ? Number(r.token) : 0, holder: r?.holder ?? null };
}

/** Records a fencing token unless a newer one is there; false when one is. */
export async function writeFence(store: Store, token: number, holder: string, jobId: string | null): Promise<boolean> {
  return (await store.all(sql('fence-write'), [FENCE_NAME, token, holder, jobId])).length > 0;
}

/** The newest run of a period after `afterRunId`, if any. */
export async function runAfter(store: Store, period: string, afterRunId: number): Promise<{ run_id: number; line_items: number } | undefined> {
  const r = await store.one<{ run_id: number; line_items: string }>(sql('run-after'), [period, afterRunId]);
  return r ? { run_id: r.run_id, line_items: Number(r.line_items) } : undefined;
}

/** The newest import of an import key after `afterImportId`, if any. */
export async function importAfter(store: Store, key: string, afterImportId: number): Promise<{ import_id: number; status: string; rows: number } | undefined> {
  const r = await store.one<{ import_id: number; status: string; rows: string }>(sql('import-after'), [key, afterImportId]);
  return r ? { import_id: r.import_id, status: r.status, rows: Number(r.rows) } : undefined;
}

/** When the newest import whose key matches `like` finished (Unix seconds), or undefined. */
export async function lastImportLike(store: Store, like: string): Promise<number | undefined> {
  const r = await store.one<{ at: string | null }>(sql('last-import-like'), [like]);
  return r?.at ? Number(r.at) : undefined;
}

/** When the newest snapshot of `cluster` from `source` finished importing (Unix seconds), or undefined. */
export async function lastSnapshot(store: Store, source: string, cluster: string): Promise<number | undefined> {
  const r = await store.one<{ at: string | null }>(sql('last-snapshot'), [source, cluster]);
  return r?.at ? Number(r.at) : undefined;
}
