import { loadConfigFile, type LoadedConfig } from '../config/load.ts';
import { Store } from '../store/db.ts';
import { jsonSafe, terminalSafe } from './format.ts';

/** Global flags every command receives. */
export interface GlobalOptions {
  config: string;
  db: string;
  json: boolean;
  verbose: boolean;
}

/** What a command needs from the outside world, opened lazily and closed once. */
export class Context {
  private store?: Store;
  private loaded?: LoadedConfig;

  constructor(
    readonly opts: GlobalOptions,
    // Billing data reaches these lines: control characters are shown, never sent to the terminal raw.
    readonly out: (line: string) => void = (l) => process.stdout.write(`${terminalSafe(l)}\n`),
    readonly err: (line: string) => void = (l) => process.stderr.write(`${terminalSafe(l)}\n`),
  ) {}

  async db(): Promise<Store> {
    this.store ??= await Store.open(this.opts.db);
    return this.store;
  }

  config(): LoadedConfig {
    this.loaded ??= loadConfigFile(this.opts.config);
    return this.loaded;
  }

  /** Prints a value as JSON (with --json) or via the human formatter. */
  print(value: unknown, human: () => void): void {
    if (this.opts.json) this.out(jsonSafe(JSON.stringify(value, null, 2)));
    else human();
  }

  close(): void {
    this.store?.close();
    this.store = undefined;
  }
}
