import { AllotError } from '../src/util/errors.ts';

/** Errors no retry can fix (bad input, configuration, a bill that does not reconcile or tie out): the job fails at once. */
export function isPermanent(e: unknown): boolean {
  return e instanceof AllotError && !e.retryable;
}
