// Structured JSON logs for the worker and the job commands (pino, one JSON
// object per line on stdout). `LOG_LEVEL` sets the level (default info).
import { pino } from 'pino';

export type Logger = pino.Logger;

export function createLogger(opts: { level?: string; name?: string; stderr?: boolean } = {}): Logger {
  return pino(
    {
      level: opts.level ?? process.env.LOG_LEVEL ?? 'info',
      base: { svc: 'allot', ...(opts.name ? { component: opts.name } : {}), pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    pino.destination({ fd: opts.stderr ? 2 : 1, sync: true }),
  );
}

/** A logger that drops everything (tests, library use). */
export const silentLogger: Logger = pino({ level: 'silent' });

/** An error as log fields: message, name and code. */
export function errFields(e: unknown): Record<string, unknown> {
  const err = e as { message?: string; name?: string; code?: unknown };
  return { err: { message: err?.message ?? String(e), name: err?.name, code: err?.code } };
}
