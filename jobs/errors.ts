import { isRetryable } from '../src/util/errors.ts';

/**
 * Errors no retry can fix, by their `retryable: false` (src/util/errors.ts):
 * bad input, configuration or arguments, a run that does not reconcile or tie
 * out. The worker fails such a job at once; everything else is retried per policy.
 */
export function isPermanent(e: unknown): boolean {
  return !isRetryable(e);
}
