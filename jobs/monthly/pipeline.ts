// The monthly pipeline, defined once:
//
//   pull (one per source) → attribute → export → render (one per team) → send (one per team) → finish (send log, optional close)
//
// Two executors run this definition: flow.ts as a BullMQ flow (each step a
// job, per-team render/send in parallel on any worker) and inprocess.ts for
// `allot run` (no Redis). Step ids are the job ids: `<run key>-<stage>[-<item>]`.
import type { Store } from '../../src/store/db.ts';
import type { QueueName } from '../queues.ts';
import type { MonthlySpec } from '../spec.ts';
import { highWaterMarks, markStepDone, markStepRunning, readStep, type Marks } from '../../src/store/jobs.ts';
import {
  adoptAttribute, adoptPull, attributeStep, exportStep, finishStep, pullStep, renderStep, sendStep,
  type ExportSummary, type StepEnv,
} from './steps.ts';

export type StageId = 'pull' | 'attribute' | 'export' | 'render' | 'send' | 'finish';

export interface StageContext {
  env: StepEnv;
  spec: MonthlySpec;
  /** The source id or team id of a fanned-out stage. */
  item?: string;
  /** Store stages: the open store (fenced, under the lock, when run by a worker). */
  store?: Store;
  /** Throws if this process may no longer write the store (lost lock). */
  assertWriter?: () => Promise<void>;
}

export interface Stage {
  id: StageId;
  queue: QueueName;
  /** One job per source, or per team (the export's teams); one job otherwise. */
  each?: 'source' | 'team';
  /** Opens the store: runs on the store queue, under the store lock, recorded in job_steps. */
  store: boolean;
  run(c: StageContext): Promise<unknown>;
  /** After a crash: what the dead worker committed after the marks, if anything. */
  adopt?(c: StageContext, marks: Marks): Promise<unknown>;
}

const needStore = (c: StageContext): Store => {
  if (!c.store) throw new Error('a store stage ran without the store');
  return c.store;
};

export const MONTHLY: readonly Stage[] = [
  {
    id: 'pull', queue: 'store', each: 'source', store: true,
    run: (c) => pullStep(c.env, c.spec, c.item!, needStore(c)),
    adopt: (c, m) => adoptPull(c.spec, c.item!, needStore(c), m.import_id),
  },
  {
    id: 'attribute', queue: 'store', store: true,
    run: (c) => attributeStep(c.env, c.spec, needStore(c)),
    adopt: (c, m) => adoptAttribute(c.spec, needStore(c), m.run_id),
  },
  { id: 'export', queue: 'store', store: true, run: (c) => exportStep(c.env, c.spec, needStore(c)) },
  { id: 'render', queue: 'render', each: 'team', store: false, run: (c) => renderStep(c.env, c.spec, c.item!) },
  { id: 'send', queue: 'deliver', each: 'team', store: false, run: (c) => sendStep(c.env, c.spec, c.item!) },
  { id: 'finish', queue: 'store', store: true, run: (c) => finishStep(c.env, c.spec, needStore(c)) },
];

export function stage(id: string): Stage | undefined {
  return MONTHLY.find((s) => s.id === id);
}

export function stepId(key: string, stageId: StageId, item?: string): string {
  return item === undefined ? `${key}-${stageId}` : `${key}-${stageId}-${item}`;
}

/** The items of a fanned-out stage: the run's sources, or the teams the export chose. */
export function itemsOf(s: Stage, spec: MonthlySpec, exported?: ExportSummary): (string | undefined)[] {
  if (s.each === 'source') return spec.sources.map((x) => x.id);
  if (s.each === 'team') {
    if (!exported) throw new Error(`stage ${s.id} needs the export's result`);
    return exported.teams;
  }
  return [undefined];
}

/**
 * The pipeline cut where a flow cannot express it statically: a single step
 * followed by a fan-out (export → render per team) needs the export's result
 * to know the teams. Each phase is one BullMQ flow; the last job of a phase
 * adds the next. [[pull, attribute, export], [render, send, finish]].
 */
export function phases(stages: readonly Stage[] = MONTHLY): Stage[][] {
  const out: Stage[][] = [[]];
  stages.forEach((s, i) => {
    const prev = stages[i - 1];
    if (prev && !prev.each && s.each) out.push([]);
    out.at(-1)!.push(s);
  });
  return out;
}

export interface StoreStageResult {
  result: unknown;
  /** Found done (a re-delivered job), or adopted from a dead worker's commit. */
  reused: 'done' | 'adopted' | null;
}

/**
 * Runs a store stage exactly once per step id: 'done' in job_steps returns
 * the recorded result; 'running' (a worker died in it) first looks for what
 * it committed (adopt), else runs again. The step is recorded done only
 * after checking that this process is still the store's writer.
 */
export async function runStoreStage(s: Stage, c: StageContext, id: string, fence: number | null): Promise<StoreStageResult> {
  const store = needStore(c);
  const rec = await readStep(store, id);
  if (rec?.status === 'done') return { result: rec.result, reused: 'done' };
  const marks = rec?.marks ?? (await highWaterMarks(store));
  if (rec && s.adopt) {
    const adopted = await s.adopt(c, marks);
    if (adopted !== undefined) {
      await c.assertWriter?.();
      await markStepDone(store, id, adopted, fence);
      c.env.log.warn({ step: id }, 'found the work of a worker that died in this step; not doing it again');
      return { result: adopted, reused: 'adopted' };
    }
  }
  await c.assertWriter?.();
  await markStepRunning(store, { stepId: id, runKey: c.spec.key, stage: s.id, marks, fence, attempts: (rec?.attempts ?? 0) + 1 });
  const result = await s.run(c);
  await c.assertWriter?.();
  await markStepDone(store, id, result, fence);
  return { result, reused: null };
}
