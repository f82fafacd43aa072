// The per-run artefacts of the monthly pipeline, under <artefacts dir>/<run key>/.
// Written once, atomically (temp file + rename), never changed after: the
// export step writes the team reports' data, render turns each into an
// .eml, send only reads the .eml. Workers on other machines need the same
// directory (a shared volume; see deploy/).
//
//   chargeback-<period>.csv, .manifest.json   the finance export of the run
//   teams.json                                who gets what: recipients, Message-ID, or why skipped
//   <team>.report.json                        the team report's data (export, from the store)
//   <team>.eml, <team>.rendered.json          the message (render)
//   <team>.sending.json                       a send attempt started (send)
//   <team>.sent.json                          the send's outcome: sent, or refused for good (send)
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeAtomically } from '../../src/util/files.ts';

export interface TeamEntry {
  team_id: string;
  recipients: string[];
  /** The message to send; for a skipped team, the one sent before, if any. */
  message_id: string | null;
  /** Why no email goes out (no addresses, already sent), or null. */
  skip: string | null;
}

export interface TeamsFile {
  key: string;
  period: string;
  run_id: number;
  created_at: string;
  from: string;
  reply_to: string | null;
  teams: TeamEntry[];
}

export interface RenderedInfo {
  team_id: string;
  message_id: string;
  subject: string;
  recipients: string[];
  eml: string;
  bytes: number;
}

export interface SendingInfo {
  message_id: string;
  attempts: number;
  started_at: string;
  /** The last transient failure, if the previous attempt got an answer. */
  last_error: string | null;
}

export interface SendOutcomeFile {
  team_id: string;
  status: 'sent' | 'failed';
  message_id: string;
  subject: string;
  recipients: string[];
  response: string | null;
  error_code: string | null;
  rejected: string[];
  attempts: number;
  /** An earlier attempt died without recording an answer: this is a re-send with the same Message-ID. */
  resent_after_interruption: boolean;
  at: string;
}

export class RunArtefacts {
  readonly dir: string;
  constructor(root: string, key: string) {
    this.dir = join(root, key);
  }

  path(name: string): string {
    return join(this.dir, name);
  }

  team(teamId: string, suffix: 'report.json' | 'eml' | 'rendered.json' | 'sending.json' | 'sent.json'): string {
    return this.path(`${teamId}.${suffix}`);
  }

  exists(file: string): boolean {
    return existsSync(file);
  }

  read<T>(file: string): T {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  }

  readIf<T>(file: string): T | undefined {
    return existsSync(file) ? this.read<T>(file) : undefined;
  }

  write(file: string, value: unknown): void {
    writeAtomically(file, `${JSON.stringify(value, null, 2)}\n`);
  }

  writeRaw(file: string, content: string | Buffer): void {
    writeAtomically(file, content);
  }

  teams(): TeamsFile {
    return this.read<TeamsFile>(this.path('teams.json'));
  }
}
