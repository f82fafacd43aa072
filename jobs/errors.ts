import { ConfigError, UsageError } from '../src/util/errors.ts';

/** Errors no retry can fix: bad configuration or arguments. Everything else is retried per policy. */
export function isPermanent(e: unknown): boolean {
  return e instanceof UsageError || e instanceof ConfigError;
}
