/**
 * Progress of long work, as the steps report it: the CLI shows a bar on a
 * terminal and plain lines in CI or pipes (src/cli/progress.ts); tests and
 * `--json` pass silentProgress.
 */
export interface Progress {
  start(label: string, total: number): void;
  tick(done: number): void;
  /** A milestone worth a line in logs (a part of a delivery done); the bar shows it as progress only. */
  step?(message: string): void;
  stop(): void;
}

/** Progress that prints nothing (tests, --json). */
export const silentProgress: Progress = { start: () => undefined, tick: () => undefined, stop: () => undefined };
