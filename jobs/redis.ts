// The Redis connection of the job commands: REDIS_URL (default
// redis://127.0.0.1:6379), `maxRetriesPerRequest: null` as BullMQ requires
// (commands wait through a reconnect instead of failing), and a startup check
// of the eviction policy: an evicting Redis silently loses queued jobs.
import { Redis } from 'ioredis';
import { errFields, type Logger } from './log.ts';

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

export function redisUrl(env: NodeJS.ProcessEnv = process.env): string {
  return env.REDIS_URL?.trim() || DEFAULT_REDIS_URL;
}

/** Shows a URL without its password. */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url;
  }
}

/**
 * One ioredis connection. It reconnects forever with a capped backoff; errors
 * while Redis is away are logged once per distinct message, not per retry.
 */
export function connectRedis(url: string, log: Logger, name = 'allot'): Redis {
  const redis = new Redis(url, {
    maxRetriesPerRequest: null,
    connectionName: name,
    retryStrategy: (times) => Math.min(100 * 2 ** Math.min(times, 6), 5_000),
  });
  let last = '';
  redis.on('error', (e: Error) => {
    if (e.message === last) return;
    last = e.message;
    log.warn({ ...errFields(e), redis: safeUrl(url) }, 'redis connection error (reconnecting)');
  });
  redis.on('ready', () => {
    if (last) log.info({ redis: safeUrl(url) }, 'redis connection ready again');
    last = '';
  });
  return redis;
}

/**
 * BullMQ needs `maxmemory-policy noeviction`: any other policy lets Redis
 * delete job keys under memory pressure. Returns the policy (undefined when
 * CONFIG is not allowed, as on some managed Redis) and warns when it is wrong.
 */
export async function checkEvictionPolicy(redis: Redis, log: Logger): Promise<string | undefined> {
  let policy: string | undefined;
  try {
    const reply = (await redis.config('GET', 'maxmemory-policy')) as unknown;
    if (Array.isArray(reply)) policy = String(reply[1]);
    else if (reply && typeof reply === 'object') policy = String((reply as Record<string, unknown>)['maxmemory-policy']);
  } catch (e) {
    log.warn({ ...errFields(e) }, 'cannot read the Redis maxmemory-policy (CONFIG GET refused); make sure it is "noeviction"');
    return undefined;
  }
  if (policy !== 'noeviction') {
    log.warn(
      { policy },
      `Redis maxmemory-policy is "${policy}": it must be "noeviction", or Redis may delete queued jobs under memory pressure ` +
        '(set maxmemory-policy noeviction in redis.conf or with CONFIG SET)',
    );
  }
  return policy;
}
