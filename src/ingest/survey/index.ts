import type { Store } from '../../store/db.ts';
import { sqlFolder } from '../../store/sql.ts';
import { InputError } from '../../util/errors.ts';
import { readCsvRecords } from '../csv-file.ts';

/*
 * `allot ingest survey FILE`: what billing data cannot give the platform
 * review. A CSV with a header, one of
 *
 *   team,date,score    NPS answers: score 0..10 ("how likely are you to recommend the platform?")
 *   team,date,hours    onboarding samples: hours from a team's start to its first production deploy
 *
 * `team` is a team id or alias from the configuration, `date` YYYY-MM-DD.
 * The file's rows replace the rows an earlier import of the same file name
 * recorded. All or nothing: a bad row is `FILE:LINE: column X: why` and
 * nothing is recorded.
 */

const sql = sqlFolder(new URL('./sql/', import.meta.url));

export type SurveyKind = 'nps' | 'onboarding';

export interface SurveyRow {
  line: number;
  team_id: string;
  date: string;
  /** score (0..10) for nps; hours (decimal, 2 places at most) for onboarding. */
  value: string;
}

export interface SurveyResult {
  file: string;
  kind: SurveyKind;
  rows: number;
  teams: number;
  /** Rows of an earlier import of this file that these replaced. */
  replaced: number;
}

const COLUMNS: Record<SurveyKind, string[]> = { nps: ['team', 'date', 'score'], onboarding: ['team', 'date', 'hours'] };

function validDate(s: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

/** Reads and checks the file; nothing is written. `teams` maps a lower-case id or alias to the team id. */
export function readSurvey(file: string, teams: Map<string, string>): { kind: SurveyKind; rows: SurveyRow[] } {
  const records = readCsvRecords(file);
  const header = records[0]!.record.map((h) => h.trim().toLowerCase());
  const kind = (Object.keys(COLUMNS) as SurveyKind[]).find((k) => COLUMNS[k].length === header.length && COLUMNS[k].every((c) => header.includes(c)));
  if (!kind) {
    throw new InputError(file, 1, undefined, `header must be "team,date,score" (NPS answers) or "team,date,hours" (onboarding samples), got "${header.join(',')}"`);
  }
  const col = (name: string) => header.indexOf(name);
  const rows: SurveyRow[] = [];
  for (const { record, info } of records.slice(1)) {
    const line = info.lines;
    if (record.length !== header.length) throw new InputError(file, line, undefined, `has ${record.length} fields, the header ${header.length}`);
    const get = (c: string) => (record[col(c)] ?? '').trim();
    const team = teams.get(get('team').toLowerCase());
    if (!get('team')) throw new InputError(file, line, 'team', 'missing value');
    if (team === undefined) throw new InputError(file, line, 'team', `unknown team ${JSON.stringify(get('team'))} (not a team id or alias in the configuration)`);
    const date = get('date');
    if (!validDate(date)) throw new InputError(file, line, 'date', `must be a date YYYY-MM-DD, got ${JSON.stringify(date)}`);
    let value: string;
    if (kind === 'nps') {
      value = get('score');
      if (!/^(10|\d)$/.test(value)) throw new InputError(file, line, 'score', `must be a whole number from 0 to 10, got ${JSON.stringify(value)}`);
    } else {
      value = get('hours');
      if (!/^\d{1,6}(\.\d{1,2})?$/.test(value)) throw new InputError(file, line, 'hours', `must be a number of hours ≥ 0 with at most 2 decimals, got ${JSON.stringify(value)}`);
    }
    rows.push({ line, team_id: team, date, value });
  }
  if (!rows.length) throw new InputError(file, undefined, undefined, 'no answers after the header');
  return { kind, rows };
}

/** Records the file's answers, replacing those an earlier import of the same file recorded. */
export async function ingestSurvey(store: Store, file: string, teams: Map<string, string>, now: Date = new Date()): Promise<SurveyResult> {
  const { kind, rows } = readSurvey(file, teams);
  return store.transaction(async () => {
    const replaced = (await store.all(sql(`${kind}-clear`), [file])).length;
    await store.run(sql(`${kind}-insert`), [JSON.stringify(rows), file, now.toISOString()]);
    return { file, kind, rows: rows.length, teams: new Set(rows.map((r) => r.team_id)).size, replaced };
  });
}
