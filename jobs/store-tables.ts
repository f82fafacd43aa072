// Queries over the tables the jobs keep in the store (job_fence, job_steps:
// see src/store/migrations/004-jobs.sql).
import type { Store } from '../src/store/db.ts';

export const FENCE_NAME = 'store';

/** The ids already used in the store, so a restarted step can tell its own writes apart. */
export interface Marks {
  import_id: number;
  run_id: number;
  send_id: number;
}

export async function highWaterMarks(store: Store): Promise<Marks> {
  const r = (await store.one<{ i: number; r: number; s: number }>(
    `SELECT (SELECT coalesce(max(import_id), 0) FROM imports)::INTEGER AS i,
            (SELECT coalesce(max(run_id), 0) FROM allocation_runs)::INTEGER AS r,
            (SELECT coalesce(max(send_id), 0) FROM send_log)::INTEGER AS s`,
  ))!;
  return { import_id: r.i, run_id: r.r, send_id: r.s };
}

export interface StepRecord {
  step_id: string;
  status: 'running' | 'done';
  marks: Marks;
  result: unknown;
  attempts: number;
}

export async function readStep(store: Store, stepId: string): Promise<StepRecord | undefined> {
  const r = await store.one<{ step_id: string; status: 'running' | 'done'; marks: string; result: string | null; attempts: number }>(
    `SELECT step_id, status, marks::VARCHAR AS marks, result::VARCHAR AS result, attempts FROM job_steps WHERE step_id = $1`,
    [stepId],
  );
  if (!r) return undefined;
  return { step_id: r.step_id, status: r.status, marks: JSON.parse(r.marks) as Marks, result: r.result === null ? null : JSON.parse(r.result), attempts: r.attempts };
}

export async function markStepRunning(store: Store, s: { stepId: string; runKey: string; stage: string; marks: Marks; fence: number | null; attempts: number }): Promise<void> {
  await store.run(
    `INSERT OR REPLACE INTO job_steps VALUES ($1, $2, $3, 'running', $4::JSON, NULL, $5, $6, now()::TIMESTAMP, NULL)`,
    [s.stepId, s.runKey, s.stage, JSON.stringify(s.marks), s.fence, s.attempts],
  );
}

export async function markStepDone(store: Store, stepId: string, result: unknown, fence: number | null): Promise<void> {
  await store.run(`UPDATE job_steps SET status = 'done', result = $2::JSON, fence = $3, finished_at = now()::TIMESTAMP WHERE step_id = $1`, [
    stepId,
    JSON.stringify(result ?? null),
    fence,
  ]);
}
