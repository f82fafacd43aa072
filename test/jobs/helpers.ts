// Shared set-up of the job tests: the team-report organisation (four teams,
// three with emails) in a store file, its config file pointing at a local
// SMTP server, a unique queue prefix, and a runtime on the shared Redis.
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import nodemailer from 'nodemailer';
import { simpleParser } from 'mailparser';
import { Redis } from 'ioredis';
import type { LoadedConfig } from '../../src/config/load.ts';
import { parseConfig } from '../../src/config/load.ts';
import type { MailTransport } from '../../src/deliver/index.ts';
import { buildOrg, orgYaml, PERIOD } from '../render/team.fixture.ts';
import { silentLogger } from '../../jobs/log.ts';
import { openRuntime, type JobsRuntime } from '../../jobs/runtime.ts';

export { PERIOD };

export const SHARED_REDIS = process.env.REDIS_URL || 'redis://127.0.0.1:6379';

/** The teams of the fixture that have emails, hence get one message each. */
export const MAILED = ['payments', 'zebra', 'hostile'];

export function uniquePrefix(name: string): string {
  return `allot-test-${name}-${randomUUID().slice(0, 8)}`;
}

export interface OrgFiles {
  dbPath: string;
  dir: string;
  configFile: string;
  loaded: LoadedConfig;
  artefactsDir: string;
}

/** The organisation, attributed for two months, closed on disk; config with smtp → port. */
export async function orgFiles(smtpPort: number, extraYaml = ''): Promise<OrgFiles> {
  const yaml = orgYaml({ port: smtpPort }) + extraYaml;
  const loaded = parseConfig(yaml, 'test.yaml', {});
  const org = await buildOrg(loaded);
  const dbPath = org.store.path;
  org.store.close();
  const dir = dirname(dbPath);
  const configFile = join(dir, 'allot.yaml');
  writeFileSync(configFile, yaml);
  return { dbPath, dir, configFile, loaded: { ...loaded, file: configFile }, artefactsDir: join(dir, 'runs') };
}

/** A fresh plain SMTP transport per call, as the send step expects. */
export function transportTo(port: number): () => MailTransport {
  return () => nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true });
}

/**
 * A runtime on `url` under `prefix`. close() also deletes every key under the
 * prefix (queues, store lock and fencing counter), so a test leaves nothing behind.
 */
export function runtimeOn(url: string, prefix: string): JobsRuntime {
  const redis = new Redis(url, { maxRetriesPerRequest: null, retryStrategy: (n) => Math.min(50 * n, 500) });
  redis.on('error', () => undefined);
  const rt = openRuntime({ log: silentLogger, prefix, redis });
  return {
    ...rt,
    close: async () => {
      await rt.queues.obliterate().catch(() => undefined);
      await rt.close();
      await purge(redis, prefix);
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}

/** Deletes every key under `<prefix>:`. */
export async function purge(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
    cursor = next;
    if (keys.length) await redis.del(...keys);
  } while (cursor !== '0');
}

/** Message-ID and To of each raw message. */
export async function messageIds(raws: Buffer[]): Promise<{ id: string; to: string; team: string }[]> {
  const out = [];
  for (const raw of raws) {
    const m = await simpleParser(raw, { keepCidLinks: true });
    out.push({ id: m.messageId ?? '', to: Array.isArray(m.to) ? m.to.map((t) => t.text).join(', ') : (m.to?.text ?? ''), team: String(m.headers.get('x-allot-team') ?? '') });
  }
  return out.sort((a, b) => a.team.localeCompare(b.team));
}
