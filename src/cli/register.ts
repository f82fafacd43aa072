import type { Command } from 'commander';
import type { Context } from './context.ts';

/** Runs a command's body with its Context, mapping errors to exit codes (main.ts). */
export type RunCommand = (fn: (ctx: Context) => Promise<void>) => Promise<void>;

/** One CLI command module: adds its command to the program. */
export type Register = (program: Command, run: RunCommand) => void;

/** One `allot ingest <source>` subcommand. */
export type RegisterSource = (ingest: Command, run: RunCommand) => void;

/** One `allot report <kind>` subcommand. */
export type RegisterReport = (report: Command, run: RunCommand) => void;
