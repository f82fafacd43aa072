/**
 * A throwaway redis-server for tests that must restart Redis (never the shared
 * one on 6379): `redis-server --port N --save '' --appendonly no` on a free
 * port, in its own directory. `restart()` is a graceful restart that keeps the
 * data (SHUTDOWN SAVE writes dump.rdb even with saving off; the new server
 * loads it), like a rolling upgrade of a persistent Redis. Every wait is on a
 * process event or the server's "Ready to accept connections" line.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export class TestRedisServer {
  private proc: ChildProcess | undefined;
  private constructor(
    readonly port: number,
    readonly dir: string,
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  static async start(): Promise<TestRedisServer> {
    const self = new TestRedisServer(await freePort(), mkdtempSync(join(tmpdir(), 'allot-redis-')));
    await self.spawn();
    return self;
  }

  private async spawn(): Promise<void> {
    const proc = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', this.dir, '--maxmemory-policy', 'noeviction'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.proc = proc;
    await new Promise<void>((resolve, reject) => {
      let out = '';
      const onData = (b: Buffer) => {
        out += b.toString();
        if (out.includes('Ready to accept connections')) {
          proc.stdout!.off('data', onData);
          resolve();
        }
      };
      proc.stdout!.on('data', onData);
      proc.once('exit', (code) => reject(new Error(`redis-server exited (${code}): ${out.slice(-500)}`)));
    });
    proc.stdout!.resume();
    proc.stderr!.resume();
  }

  /** Stops the server after it saved its data, and waits for the process to end. */
  async stop(save = true): Promise<void> {
    const proc = this.proc;
    if (!proc || proc.exitCode !== null) return;
    const exited = new Promise<void>((r) => proc.once('exit', () => r()));
    const c = new Redis(this.url, { maxRetriesPerRequest: 0, retryStrategy: () => null, lazyConnect: true });
    c.on('error', () => undefined);
    await c.connect();
    await c.call('SHUTDOWN', save ? 'SAVE' : 'NOSAVE').catch(() => undefined);
    c.disconnect();
    await exited;
    this.proc = undefined;
  }

  /** A restart on the same port that keeps the data. */
  async restart(): Promise<void> {
    await this.stop(true);
    await this.spawn();
  }

  /** A restart on the same port with no data at all: Redis lost everything (no persistence, a new instance). */
  async restartEmpty(): Promise<void> {
    await this.stop(false);
    rmSync(join(this.dir, 'dump.rdb'), { force: true });
    await this.spawn();
  }

  async close(): Promise<void> {
    await this.stop(false);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
