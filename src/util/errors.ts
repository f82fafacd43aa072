/**
 * Errors a user can act on. The CLI prints `message` as one line and exits
 * with `exitCode`; anything else is a bug and gets a stack trace with --verbose.
 */
export class AllotError extends Error {
  readonly exitCode: number = 1;
  /** Whether trying again can help (a network failure, a busy store); jobs retry only these. */
  readonly retryable: boolean = true;
}

/**
 * An error no retry can fix until a person acts: bad input, a bill that does
 * not reconcile or tie out. A job fails at once with its message.
 */
export class PermanentError extends AllotError {
  override readonly retryable = false;
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
