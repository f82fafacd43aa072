/**
 * A local SMTP server for tests, built on `smtp-server` (shared/wire-testing.md §5),
 * on 127.0.0.1 with a free port. It captures every accepted message as raw
 * bytes (parse them with mailparser's simpleParser(raw, { keepCidLinks: true })),
 * records the MAIL/RCPT/DATA commands it answered, and plays scripted replies:
 *
 *   rcpt: [451, 250]     first RCPT TO answered 451, the next accepted
 *   rcpt: [550]          a permanent refusal
 *   data: [{ code: 452, message: 'Insufficient storage' }]
 *   crashAfter: 2        accept two messages, then drop every connection
 *                        without a reply (as if the server died)
 *   rejectAddress: (a) => a.endsWith('@reject.test') ? 550 : undefined
 *   auth: { code: 535, message: '5.7.8 Authentication credentials invalid' }
 *                        every AUTH refused with this reply
 *
 * Scripted replies are consumed in order across connections; when a list
 * runs out, the server accepts. `setScript` replaces the script mid-test.
 */
import type { AddressInfo, Server, Socket } from 'node:net';
import { SMTPServer, type SMTPServerSession } from 'smtp-server';

export type Reply = number | { code: number; message?: string };

export interface SmtpScript {
  rcpt?: Reply[];
  data?: Reply[];
  crashAfter?: number;
  rejectAddress?: (address: string) => Reply | undefined;
  auth?: Reply;
}

export interface CapturedMessage {
  from: string;
  to: string[];
  raw: Buffer;
  /** The AUTH user of the session, if it authenticated. */
  user: string | undefined;
}

export interface CommandLog {
  command: 'MAIL' | 'RCPT' | 'DATA';
  arg: string;
  code: number;
}

const DEFAULT_TEXT: Record<number, string> = {
  421: 'Service not available, closing channel',
  450: 'Mailbox busy, try again later',
  451: 'Requested action aborted: local error, try again later',
  452: 'Insufficient system storage',
  550: 'Mailbox unavailable',
  552: 'Message size exceeds fixed maximum',
  553: 'Mailbox name not allowed',
  554: 'Transaction failed',
};

function smtpError(r: Reply): Error {
  const code = typeof r === 'number' ? r : r.code;
  const message = (typeof r === 'number' ? undefined : r.message) ?? DEFAULT_TEXT[code] ?? 'Refused';
  return Object.assign(new Error(message), { responseCode: code });
}

const codeOf = (r: Reply) => (typeof r === 'number' ? r : r.code);

export class TestSmtpServer {
  readonly messages: CapturedMessage[] = [];
  readonly commands: CommandLog[] = [];
  readonly auths: { user: string; pass: string }[] = [];
  private script: SmtpScript = {};
  private rcptQueue: Reply[] = [];
  private dataQueue: Reply[] = [];
  private crashed = false;
  private readonly sockets = new Set<Socket>();

  private server!: SMTPServer;
  port = 0;

  private constructor() {}

  static async start(script: SmtpScript = {}): Promise<TestSmtpServer> {
    const self = new TestSmtpServer();
    self.setScript(script);
    const server = new SMTPServer({
      authOptional: true,
      allowInsecureAuth: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onAuth(auth, _session, cb) {
        self.auths.push({ user: auth.username ?? '', pass: auth.password ?? '' });
        if (self.script.auth !== undefined) {
          cb(smtpError(self.script.auth));
          return;
        }
        cb(null, { user: auth.username });
      },
      onMailFrom(address, _session, cb) {
        self.commands.push({ command: 'MAIL', arg: address.address, code: 250 });
        cb();
      },
      onRcptTo(address, _session, cb) {
        const reply = self.script.rejectAddress?.(address.address) ?? self.rcptQueue.shift();
        const code = reply === undefined ? 250 : codeOf(reply);
        self.commands.push({ command: 'RCPT', arg: address.address, code });
        cb(code >= 400 ? smtpError(reply!) : undefined);
      },
      onData(stream, session: SMTPServerSession, cb) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          if (self.script.crashAfter !== undefined && self.messages.length >= self.script.crashAfter) {
            self.crash();
            return; // never answer
          }
          const reply = self.dataQueue.shift();
          const code = reply === undefined ? 250 : codeOf(reply);
          self.commands.push({ command: 'DATA', arg: '', code });
          if (code >= 400) {
            cb(smtpError(reply!));
            return;
          }
          self.messages.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            raw: Buffer.concat(chunks),
            user: typeof session.user === 'string' ? session.user : undefined,
          });
          cb(null, `Queued as ${self.messages.length}`);
        });
      },
    });
    // The net.Server underneath: track sockets so a "crash" can drop them.
    const net = (server as unknown as { server: Server }).server;
    net.on('connection', (s: Socket) => {
      if (self.crashed) {
        s.destroy();
        return;
      }
      self.sockets.add(s);
      s.on('close', () => self.sockets.delete(s));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    server.on('error', () => undefined); // dropped sockets are expected after a crash
    self.server = server;
    self.port = (net.address() as AddressInfo).port;
    return self;
  }

  /** Replaces the script (and its reply queues); a crashed server comes back up. */
  setScript(script: SmtpScript): void {
    this.script = script;
    this.rcptQueue = [...(script.rcpt ?? [])];
    this.dataQueue = [...(script.data ?? [])];
    this.crashed = false;
  }

  /** Drops every open connection now and refuses new ones until setScript. */
  crash(): void {
    this.crashed = true;
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
  }

  rcptCount(): number {
    return this.commands.filter((c) => c.command === 'RCPT').length;
  }

  /** Forgets captured messages and commands (the script stays). */
  reset(): void {
    this.messages.length = 0;
    this.commands.length = 0;
    this.auths.length = 0;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
