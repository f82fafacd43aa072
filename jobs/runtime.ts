// What every job command shares: one Redis connection, the key prefix, the queues.
import type { Redis } from 'ioredis';
import type { Logger } from './log.ts';
import { Queues, queuePrefix } from './queues.ts';
import { connectRedis, redisUrl } from './redis.ts';

export interface JobsRuntime {
  redis: Redis;
  prefix: string;
  queues: Queues;
  log: Logger;
  close(): Promise<void>;
}

export function openRuntime(o: { log: Logger; url?: string; prefix?: string; redis?: Redis }): JobsRuntime {
  const own = o.redis === undefined;
  const redis = o.redis ?? connectRedis(o.url ?? redisUrl(), o.log);
  const prefix = o.prefix ?? queuePrefix();
  const queues = new Queues(redis, prefix);
  return {
    redis,
    prefix,
    queues,
    log: o.log,
    async close() {
      await queues.close();
      if (own) await redis.quit().catch(() => redis.disconnect());
    },
  };
}
