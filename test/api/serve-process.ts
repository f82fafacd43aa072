// `allot serve` as a user starts it: the real binary in a child process; the
// URL is read from its "listening" log line.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/allot.mjs', import.meta.url));

export interface ServeProcess {
  url: string;
  child: ChildProcess;
  logs: string[];
  /** SIGTERM, and the exit code. */
  stop(): Promise<number | null>;
}

export function startServe(args: string[], env: NodeJS.ProcessEnv): Promise<ServeProcess> {
  const child = spawn(process.execPath, [BIN, ...args, 'serve', '--port', '0'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const logs: string[] = [];
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += String(d)));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return new Promise((resolve, reject) => {
    let buf = '';
    child.stdout!.on('data', (d: Buffer) => {
      buf += String(d);
      for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        logs.push(line);
        const msg = JSON.parse(line) as { msg?: string; url?: string };
        if (msg.msg === 'listening') {
          resolve({ url: msg.url!, child, logs, stop: () => (child.kill('SIGTERM'), exited) });
        }
      }
    });
    void exited.then((code) => reject(new Error(`allot serve exited (${code}) before listening: ${stderr.trim()}`)));
  });
}
