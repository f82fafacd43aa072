import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { AllotError, oneLine } from '../util/errors.ts';
import { terminalSafe } from './format.ts';
import type { Context, GlobalOptions } from './context.ts';
import { commands } from './commands.ts';

/** Builds the CLI. `run` is what each action calls with its parsed options. */
export function buildProgram(run: (fn: (ctx: Context) => Promise<void>) => Promise<void>): Command {
  const program = new Command('allot')
    .description('Attribute every cent of the cloud bill and Kubernetes usage to the team that caused it.')
    .addOption(new Option('--config <file>', 'configuration file').default('config/allot.yaml').env('ALLOT_CONFIG'))
    .addOption(new Option('--db <file>', 'DuckDB store').default('data/allot.duckdb').env('ALLOT_DB'))
    .addOption(
      new Option('--wait-store <seconds>', 'how long a command waits while a worker or another command is writing the store')
        .default(300)
        .env('ALLOT_STORE_WAIT')
        .argParser((v) => {
          if (!/^\d+$/.test(v)) throw new InvalidArgumentError('--wait-store takes whole seconds (0: do not wait)');
          return Number(v);
        }),
    )
    .option('--json', 'print machine-readable JSON', false)
    .option('--verbose', 'print stack traces and details', false)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  for (const register of commands) register(program, run);
  return program;
}

/** Runs the CLI and returns the exit code: 0 success, 1 failure, 2 bad usage or config. */
export async function main(argv: string[]): Promise<number> {
  let ctx: Context | undefined;
  let command = 'command';
  const program = buildProgram(async (fn) => {
    // Loaded when a command runs, not for --help: it brings the config schema and DuckDB.
    const { Context } = await import('./context.ts');
    ctx = new Context(program.opts<GlobalOptions>(), undefined, undefined, command);
    await fn(ctx);
  });
  program.hook('preAction', (_top, action) => {
    const names: string[] = [];
    for (let c: Command | null = action; c && c !== program; c = c.parent) names.unshift(c.name());
    command = names.join(' ');
  });
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version "fail" with exit code 0.
      return e.exitCode === 0 ? 0 : 2;
    }
    const verbose = program.opts<GlobalOptions>().verbose;
    // One line, and billing data in a message never drives the terminal.
    const say = (m: string) => process.stderr.write(`allot: ${terminalSafe(m.replace(/\s*\n\s*/g, ' '))}\n`);
    if (e instanceof AllotError) {
      say(e.message);
      if (verbose && e.stack) process.stderr.write(`${e.stack}\n`);
      return e.exitCode;
    }
    const err = e as Error;
    say(verbose ? (err.message ?? String(e)) : oneLine(err.message ?? String(e)));
    if (verbose && err.stack) process.stderr.write(`${err.stack}\n`);
    else process.stderr.write('allot: (run with --verbose for details)\n');
    return 1;
  } finally {
    await ctx?.close();
  }
}
