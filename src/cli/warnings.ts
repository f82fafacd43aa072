// Node's process warnings (deprecations, SDK notices) go where the rest of
// the output goes: one "allot: warning:" line on stderr for a command, a JSON
// log line for the worker. Without this Node prints them as plain multi-line
// text beside the JSON logs.
import { oneLine } from '../util/errors.ts';
import { terminalSafe } from './format.ts';

let sink = (w: Error): void => {
  process.stderr.write(`allot: warning: ${terminalSafe(oneLine(`${w.name}: ${w.message}`))}\n`);
};

/** Where warnings go from now on (the worker: its logger). */
export function onWarning(fn: (w: Error) => void): void {
  sink = fn;
}

/** Replaces Node's own printing of warnings by `sink` (bin/allot.mjs calls it once). */
export function routeProcessWarnings(): void {
  process.removeAllListeners('warning');
  process.on('warning', (w) => sink(w));
}
