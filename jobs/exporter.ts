// Which worker exports the deployment-wide gauges (queue depths): the holder
// of a short Redis lease, `<prefix>:metrics-exporter`. Each worker tries to
// take or renew it every ttl/3 and at every scrape; when the holder dies, the
// lease lapses and another worker takes it within a ttl. So at any moment at
// most one worker reports the queues, and a sum over workers counts each job once.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';

const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

export class ExporterLease {
  readonly key: string;
  readonly token = `${hostname()}:${process.pid}:${randomUUID()}`;
  private timer: NodeJS.Timeout | undefined;
  private held = false;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    readonly ttlMs = 30_000,
  ) {
    this.key = `${prefix}:metrics-exporter`;
  }

  /** Takes or renews the lease; true while this worker holds it. Redis errors count as not holding it. */
  async check(): Promise<boolean> {
    try {
      if (Number(await this.redis.eval(RENEW, 1, this.key, this.token, String(this.ttlMs))) === 1) this.held = true;
      else this.held = (await this.redis.set(this.key, this.token, 'PX', this.ttlMs, 'NX')) === 'OK';
    } catch {
      this.held = false;
    }
    return this.held;
  }

  start(): void {
    void this.check();
    this.timer = setInterval(() => void this.check(), Math.max(50, Math.floor(this.ttlMs / 3)));
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.held) await this.redis.eval(RELEASE, 1, this.key, this.token).catch(() => undefined);
    this.held = false;
  }
}
