import cliProgress from 'cli-progress';

/** Reports progress of long work: a bar on a terminal, plain lines in CI or pipes. */
export interface Progress {
  start(label: string, total: number): void;
  tick(done: number): void;
  /** A milestone worth a line in logs (a part of a delivery done); the bar shows it as progress only. */
  step?(message: string): void;
  stop(): void;
}

export function makeProgress(out: (line: string) => void, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (stream.isTTY && !process.env.CI) {
    const bar = new cliProgress.SingleBar(
      { format: '{label} [{bar}] {percentage}% | {value}/{total}', hideCursor: true, stream },
      cliProgress.Presets.shades_classic,
    );
    return {
      start: (label, total) => bar.start(total, 0, { label }),
      tick: (done) => bar.update(done),
      stop: () => bar.stop(),
    };
  }
  let label = '';
  let total = 0;
  return {
    start: (l, t) => {
      label = l;
      total = t;
      out(`${label}: started (${total} to do)`);
    },
    tick: () => undefined,
    step: (message) => out(`${label}: ${message}`),
    stop: () => out(`${label}: done (${total})`),
  };
}

/** Progress that prints nothing (tests, --json). */
export const silentProgress: Progress = { start: () => undefined, tick: () => undefined, stop: () => undefined };
