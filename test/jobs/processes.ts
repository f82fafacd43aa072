// Worker processes for the crash tests: `node bin/allot.mjs worker ...` as a
// child, its JSON log lines parsed as they come, and waits on log lines and
// on process exit (never on timers).
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import type { AddressInfo, Server, Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { SMTPServer } from 'smtp-server';

const BIN = fileURLToPath(new URL('../../bin/allot.mjs', import.meta.url));

export type LogLine = Record<string, unknown> & { msg?: string; name?: string; job?: string };

export class WorkerProcess {
  readonly lines: LogLine[] = [];
  readonly stderr: string[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly waiters: { match: (l: LogLine) => boolean; resolve: (l: LogLine) => void }[] = [];
  private readonly proc: ChildProcess;

  constructor(
    readonly label: string,
    args: string[],
    env: NodeJS.ProcessEnv,
  ) {
    this.proc = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, CI: 'true', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let buf = '';
    this.proc.stdout!.on('data', (b: Buffer) => {
      buf += b.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const text = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        let line: LogLine;
        try {
          line = JSON.parse(text) as LogLine;
        } catch {
          line = { msg: text };
        }
        this.lines.push(line);
        for (const w of this.waiters.filter((x) => x.match(line))) {
          this.waiters.splice(this.waiters.indexOf(w), 1);
          w.resolve(line);
        }
      }
    });
    this.proc.stderr!.on('data', (b: Buffer) => this.stderr.push(b.toString()));
    this.exited = new Promise((resolve) => this.proc.once('exit', (code, signal) => resolve({ code, signal })));
  }

  /** The first log line (already seen or to come) that matches. */
  waitFor(match: (l: LogLine) => boolean): Promise<LogLine> {
    const seen = this.lines.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve) => this.waiters.push({ match, resolve }));
  }

  /** Sends a signal without waiting for anything. */
  signal(signal: NodeJS.Signals): void {
    this.proc.kill(signal);
  }

  async kill(signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    this.proc.kill(signal);
    return this.exited;
  }

  /** For failure messages. */
  transcript(): string {
    return `--- ${this.label} stdout ---\n${this.lines.map((l) => JSON.stringify(l)).join('\n')}\n--- stderr ---\n${this.stderr.join('')}`;
  }
}

/**
 * An SMTP server whose answer to DATA the test decides: each message is
 * announced ('message', raw) and held until `release` says accept or drop.
 * Only accepted messages count as delivered.
 */
export class GatedSmtpServer extends EventEmitter {
  readonly accepted: Buffer[] = [];
  /** Decides each message: accept it, or answer 451 (the default accepts). */
  decide: (raw: Buffer) => Promise<'accept' | 'drop'> = async () => 'accept';
  port = 0;
  private server!: SMTPServer;
  private readonly sockets = new Set<Socket>();

  static async start(): Promise<GatedSmtpServer> {
    const self = new GatedSmtpServer();
    self.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData(stream, _session, cb) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          const raw = Buffer.concat(chunks);
          self.emit('message', raw);
          void self.decide(raw).then((d) => {
            if (d === 'accept') {
              self.accepted.push(raw);
              cb(null, `Queued as ${self.accepted.length}`);
            } else {
              cb(Object.assign(new Error('Try again later'), { responseCode: 451 }));
            }
          });
        });
      },
    });
    const net = (self.server as unknown as { server: Server }).server;
    net.on('connection', (s: Socket) => {
      self.sockets.add(s);
      s.on('close', () => self.sockets.delete(s));
    });
    self.server.on('error', () => undefined);
    await new Promise<void>((resolve) => self.server.listen(0, '127.0.0.1', () => resolve()));
    self.port = (net.address() as AddressInfo).port;
    return self;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

