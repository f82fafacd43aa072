import cliProgress from 'cli-progress';

import type { Progress } from '../util/progress.ts';

export { silentProgress } from '../util/progress.ts';

/** Progress of long work: a bar on a terminal, plain lines in CI or pipes. */
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

