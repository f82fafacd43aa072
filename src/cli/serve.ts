import { resolve } from 'node:path';
import { Option } from 'commander';
import { wholeNumber } from './worker.ts';
import type { Register } from './register.ts';

/**
 * `allot serve`: the read-only HTTP API (src/api) until SIGTERM or SIGINT.
 * Tokens come from the environment (ALLOT_API_ADMIN_TOKEN, ALLOT_API_TEAM_TOKENS);
 * request logs are JSON lines on stdout.
 */
export const registerServe: Register = (program, run) => {
  program
    .command('serve')
    .description('serve a read-only JSON API over the store (teams, periods, daily cost, chargeback rows, explain, value report, alerts, Backstage Cost Insights) until SIGTERM/SIGINT')
    .addOption(new Option('--port <port>', 'port to listen on (0: any free port)').default(8080).argParser(wholeNumber('--port', 0)).env('ALLOT_API_PORT'))
    .addOption(new Option('--host <address>', 'address to listen on').default('127.0.0.1').env('ALLOT_API_HOST'))
    .action((opts: { port: number; host: string }) =>
      run(async (ctx) => {
        const loaded = ctx.config();
        const [{ createLogger }, { StoreReader }, { startServer }, { tokensFromEnv }] = await Promise.all([
          import('../../jobs/log.ts'), import('../api/reader.ts'), import('../api/server.ts'), import('../api/tokens.ts'),
        ]);
        const tokens = tokensFromEnv(process.env, loaded.config.teams.map((t) => t.id));
        const log = createLogger({ name: 'api' });
        const db = resolve(ctx.opts.db);
        const { StoreMissingError } = await import('../store/db.ts');
        const { existsSync } = await import('node:fs');
        if (!existsSync(db)) throw new StoreMissingError(db);
        const reader = new StoreReader(db, { waitMs: (ctx.opts.waitStore ?? 30) * 1000 });
        const server = await startServer({ reader, config: loaded.config, tokens, log }, opts);
        log.info({ url: server.url, db }, 'listening');
        const sig = await new Promise<string>((r) => {
          for (const s of ['SIGTERM', 'SIGINT'] as const) process.once(s, () => r(s));
        });
        log.info({ signal: sig }, 'stopping');
        await server.close();
        reader.close();
      }),
    );
};
