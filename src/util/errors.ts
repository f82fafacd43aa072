/**
 * Errors a user can act on. The CLI prints `message` as one line and exits
 * with `exitCode`; anything else is a bug and gets a stack trace with --verbose.
 *
 * `retryable` says whether running the same thing again, with nothing
 * changed, can succeed (a busy store, a server that was away): scheduled jobs
 * retry only those. Bad input, configuration or arguments, and a run that
 * does not reconcile or tie out, fail at once: someone has to fix something.
 */
export class AllotError extends Error {
  readonly exitCode: number = 1;
  readonly retryable: boolean = true;
}

/**
 * An error no retry can fix until a person acts: bad input, a bill that does
 * not reconcile or tie out. A job fails at once with its message.
 */
export class PermanentError extends AllotError {
  override readonly retryable = false;
}

/** Whether a retry can help: false for errors that say so (`retryable: false`), true otherwise. */
export function isRetryable(e: unknown): boolean {
  return (e as { retryable?: unknown } | null)?.retryable !== false;
}

/** Cuts a text to `max` characters, saying how much was left out. */
export function cut(text: string, max = 300): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length - max} more characters)`;
}

/**
 * An unexpected error's message as one readable line: DuckDB's SQL excerpt
 * (`LINE 1: …`, `^`), hints and reader settings dropped, lines joined with
 * "; ", cut to `max` characters (DuckDB quotes whole rows).
 */
export function oneLine(message: string, max = 300): string {
  const lines = message.split('\n').map((l) => l.trim());
  const end = lines.findIndex((l) => /^Possible (fixes|Solution)/i.test(l));
  const kept = (end === -1 ? lines : lines.slice(0, end)).filter((l) => l && !/^(\*|LINE \d+:|\^|Original Line:|[a-z_]+ = )/.test(l));
  return cut(kept.join('; '), max);
}

/** Bad flags or arguments (exit 2). */
export class UsageError extends AllotError {
  override readonly exitCode = 2;
  override readonly retryable = false;
}

/** Invalid configuration (exit 2). The message names file, line and key. */
export class ConfigError extends AllotError {
  override readonly exitCode = 2;
  override readonly retryable = false;
  constructor(
    readonly file: string,
    readonly line: number | undefined,
    readonly key: string,
    readonly why: string,
  ) {
    super(`${file}${line ? `:${line}` : ''}: ${key ? `${key}: ` : ''}${why}`);
  }
}

/** A bad input row or line: `FILE:LINE: column X: why`. Nothing was written. */
export class InputError extends AllotError {
  override readonly retryable = false;
  constructor(
    readonly file: string,
    readonly line: number | undefined,
    readonly column: string | undefined,
    readonly why: string,
    readonly more = 0,
  ) {
    super(
      `${file}${line !== undefined ? `:${line}` : ''}: ${column ? `column ${column}: ` : ''}${why}` +
        (more > 0 ? ` (and ${more} more invalid row${more === 1 ? '' : 's'}; nothing was imported)` : ''),
    );
  }
}
