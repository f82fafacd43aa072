import { basename } from 'node:path';
import Table from 'cli-table3';
import { grouped } from '../util/decimal.ts';

// C0 controls but tab and line feed, DEL, C1 controls, and the bidirectional
// overrides and isolates ("Trojan source"): billing data that carries them
// (a tag value with `ESC]0;title BEL` or `ESC[31m`) must not drive the terminal.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/** Text for a terminal: every control character shown as `\xNN` (or `\uNNNN`), never interpreted. */
export function terminalSafe(text: string): string {
  return text.replace(CONTROL, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/**
 * JSON for a terminal: JSON.stringify already escapes C0 controls; DEL, C1 and
 * the bidi controls become `\uNNNN` escapes too, which any JSON parser reads
 * back as the same characters.
 */
export function jsonSafe(json: string): string {
  return json.replace(/[\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** A plain, borderless table for terminals and logs. Right-aligns columns listed in `right`. */
export function table(head: string[], rows: string[][], right: number[] = []): string {
  const t = new Table({
    head,
    chars: {
      top: '', 'top-mid': '', 'top-left': '', 'top-right': '', bottom: '', 'bottom-mid': '', 'bottom-left': '',
      'bottom-right': '', left: '', 'left-mid': '', mid: '', 'mid-mid': '', right: '', 'right-mid': '', middle: '  ',
    },
    style: { head: [], border: [], 'padding-left': 0, 'padding-right': 0 },
    colAligns: head.map((_, i) => (right.includes(i) ? 'right' : 'left')),
  });
  t.push(...rows);
  return t.toString();
}

/** A decimal string for a terminal: "1234567.5" → "1,234,567.50"; null → "-". */
export function money(amount: string | null | undefined, decimals = 2): string {
  return amount === null || amount === undefined || amount === '' ? '-' : grouped(amount, decimals);
}

/** A count for people: 1234567 → "1,234,567". */
export const count = (x: number): string => x.toLocaleString('en-US');

/** "1 row", "1,234 rows". */
export const plural = (x: number, word: string): string => `${count(x)} ${word}${x === 1 ? '' : 's'}`;

/** One line per imported file: `export.csv: import #7: 1,234 rows imported (what), …`. */
export function describeFileImport(
  r: { file: string; status: string; importId: number; sameAs?: number; rowsLoaded: number; rowsRejected: number; replaced: number[] },
  what?: string,
): string {
  const name = basename(r.file);
  if (r.status === 'noop') return `${name}: already imported as #${r.sameAs}; nothing changed`;
  const parts = [`${name}: import #${r.importId}: ${plural(r.rowsLoaded, 'row')} imported${what ? ` (${what})` : ''}`];
  if (r.rowsRejected > 0) parts.push(`${plural(r.rowsRejected, 'row')} rejected (see the rejects table, import_id ${r.importId})`);
  if (r.replaced.length) parts.push(`replaces rows of import ${r.replaced.map((id) => `#${id}`).join(', ')}`);
  return parts.join(', ');
}
