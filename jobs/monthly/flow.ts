// The BullMQ executor of the monthly pipeline: each phase of pipeline.ts is
// one flow (children run before their parent; siblings in parallel):
//
//   phase 1   export ← attribute ← pull-<source> ...            (store queue)
//   phase 2   finish ← send-<team> ← render-<team>   per team    (render, deliver queues; finish on store)
//
// The export job adds phase 2 when it is done, with the teams it chose. Job
// ids are the step ids, so adding a flow or a phase twice is a no-op.
import type { FlowJob, FlowProducer } from 'bullmq';
import { jobOptions, policyFor, type PolicyOverrides, type Queues } from '../queues.ts';
import type { MonthlySpec } from '../spec.ts';
import { itemsOf, MONTHLY, phases, stepId, type Stage, type StageId } from './pipeline.ts';
import type { ExportSummary } from './steps.ts';

export interface FlowDeps {
  queues: Queues;
  producer: FlowProducer;
  policies?: PolicyOverrides;
}

/** The data of every monthly job. */
export interface StageJobData {
  spec: MonthlySpec;
  stage: StageId;
  item?: string;
  /** Which phase of the pipeline the job belongs to. */
  phase: number;
  /** The backoff cap of the job's retries. */
  maxDelayMs: number;
}

export interface EnqueuedPhase {
  phase: number;
  added: boolean;
  /** The phase's last job (the flow's root). */
  root: { id: string; queue: string };
}

/** The flow of one phase; `prev` is the previous phase's last result (the export's, for the teams). */
export function phaseFlow(spec: MonthlySpec, phase: number, prev?: unknown, policies: PolicyOverrides = {}): FlowJob {
  const stages = phases(MONTHLY)[phase];
  if (!stages) throw new Error(`the monthly pipeline has no phase ${phase}`);
  const last = stages.at(-1)!;
  if (last.each) throw new Error(`phase ${phase} must end with a single step`);

  const node = (i: number, item: string | undefined): FlowJob => {
    const s = stages[i]!;
    const children = i === 0 ? [] : childrenOf(i - 1, s, item);
    const data: StageJobData = { spec, stage: s.id, ...(item === undefined ? {} : { item }), phase, maxDelayMs: policyFor(s.id, policies).maxDelayMs };
    return {
      name: s.id,
      queueName: s.queue,
      data,
      opts: { ...jobOptions(s.id, policies), jobId: stepId(spec.key, s.id, item) },
      ...(children.length ? { children } : {}),
    } as FlowJob;
  };
  const childrenOf = (i: number, parent: Stage, parentItem: string | undefined): FlowJob[] => {
    const s = stages[i]!;
    if (s.each && parent.each === s.each) return [node(i, parentItem)];
    return itemsOf(s, spec, prev as ExportSummary | undefined).map((it) => node(i, it));
  };
  return node(stages.length - 1, undefined);
}

async function addPhase(deps: FlowDeps, spec: MonthlySpec, phase: number, prev?: unknown): Promise<EnqueuedPhase> {
  const flow = phaseFlow(spec, phase, prev, deps.policies);
  const root = { id: flow.opts!.jobId!, queue: flow.queueName };
  const existing = await deps.queues.get(flow.queueName as never).getJob(root.id);
  if (existing) return { phase, added: false, root };
  await deps.producer.add(flow);
  return { phase, added: true, root };
}

/** Adds the month's first phase (a no-op if it is there). The run ends with `<key>-finish`. */
export async function enqueueMonthly(deps: FlowDeps, spec: MonthlySpec): Promise<EnqueuedPhase & { finish: { id: string; queue: string } }> {
  const r = await addPhase(deps, spec, 0);
  const finish = MONTHLY.at(-1)!;
  return { ...r, finish: { id: stepId(spec.key, finish.id), queue: finish.queue } };
}

/** Called by the last job of a phase with its result: adds the next phase, if any. */
export async function continueMonthly(deps: FlowDeps, data: StageJobData, result: unknown): Promise<EnqueuedPhase | undefined> {
  const all = phases(MONTHLY);
  const current = all[data.phase];
  if (!current || current.at(-1)!.id !== data.stage || data.phase + 1 >= all.length) return undefined;
  return addPhase(deps, data.spec, data.phase + 1, result);
}
