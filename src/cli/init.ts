import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AllotError } from '../util/errors.ts';
import type { Register } from './register.ts';

export const STARTER_CONFIG = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'config', 'allot.example.yaml');

export const registerInit: Register = (program, run) => {
  program
    .command('init')
    .description('write a commented starter config (to --config, default config/allot.yaml)')
    .option('--force', 'overwrite an existing file', false)
    .action((opts: { force: boolean }) =>
      run(async (ctx) => {
        const target = ctx.opts.config;
        if (existsSync(target) && !opts.force) throw new AllotError(`${target} exists; use --force to overwrite it`);
        mkdirSync(dirname(target), { recursive: true });
        copyFileSync(STARTER_CONFIG, target);
        ctx.out(`Wrote ${target}. Edit teams, pools and clusters, then: allot ingest focus FILE && allot attribute --period YYYY-MM`);
      }),
    );
};
