// The in-process executor of the monthly pipeline (`allot run`): the same
// stages and step functions as the BullMQ flow, one after the other, with the
// store open in this process (DuckDB's file lock keeps other processes out).
// Retries follow the same policies, with shorter waits.
import type { Store } from '../../src/store/db.ts';
import { isPermanent } from '../errors.ts';
import { policyFor, type PolicyOverrides } from '../queues.ts';
import type { MonthlySpec } from '../spec.ts';
import { itemsOf, MONTHLY, runStoreStage, stepId, type StageId } from './pipeline.ts';
import type { ExportSummary, StepEnv } from './steps.ts';

export interface StepEvent {
  step: string;
  stage: StageId;
  item?: string;
  status: 'start' | 'done' | 'already-done' | 'adopted' | 'retry';
  result?: unknown;
  error?: string;
  waitMs?: number;
}

export interface InProcessOptions {
  policies?: PolicyOverrides;
  /** Longest wait between two attempts (default 30 s). */
  maxDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
  onStep?: (e: StepEvent) => void;
}

export interface InProcessResult {
  key: string;
  period: string;
  steps: { step: string; stage: StageId; item?: string; status: StepEvent['status']; result: unknown }[];
}

export async function runMonthlyInProcess(store: Store, env: StepEnv, spec: MonthlySpec, opts: InProcessOptions = {}): Promise<InProcessResult> {
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const steps: InProcessResult['steps'] = [];
  let exported: ExportSummary | undefined;
  for (const s of MONTHLY) {
    for (const item of itemsOf(s, spec, exported)) {
      const id = stepId(spec.key, s.id, item);
      const policy = policyFor(s.id, opts.policies);
      opts.onStep?.({ step: id, stage: s.id, item, status: 'start' });
      for (let attempt = 1; ; attempt++) {
        try {
          let result: unknown;
          let status: StepEvent['status'] = 'done';
          if (s.store) {
            const r = await runStoreStage(s, { env, spec, item, store }, id, null);
            result = r.result;
            if (r.reused) status = r.reused === 'done' ? 'already-done' : 'adopted';
          } else {
            result = await s.run({ env, spec, item });
          }
          if (s.id === 'export') exported = result as ExportSummary;
          steps.push({ step: id, stage: s.id, ...(item === undefined ? {} : { item }), status, result });
          opts.onStep?.({ step: id, stage: s.id, item, status, result });
          break;
        } catch (e) {
          if (isPermanent(e) || attempt >= policy.attempts) throw e;
          const waitMs = Math.min(policy.delayMs * 2 ** (attempt - 1), policy.maxDelayMs, opts.maxDelayMs ?? 30_000);
          opts.onStep?.({ step: id, stage: s.id, item, status: 'retry', error: (e as Error).message, waitMs });
          await sleep(waitMs);
        }
      }
    }
  }
  return { key: spec.key, period: spec.period, steps };
}
