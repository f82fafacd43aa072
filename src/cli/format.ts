import { basename } from 'node:path';
import Table from 'cli-table3';
import type { Coverage, DeliveryLayout, DeliveryResult } from '../ingest/delivery/index.ts';
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

/** One line per file of a delivery: `export.csv: import #7: 1,234 rows imported (what), …`. */
export function describeFileImport(
  r: { file: string; status: string; importId: number; sameAs?: number; sameFile?: string; rowsLoaded: number; rowsRejected: number },
  what?: string,
): string {
  const name = basename(r.file);
  if (r.status === 'duplicate') return `${name}: same content as ${basename(r.sameFile ?? '')}; counted once`;
  if (r.status === 'noop') return `${name}: same content as import #${r.sameAs}, whose rows stand for it`;
  const parts = [`${name}: import #${r.importId}: ${plural(r.rowsLoaded, 'row')} imported${what ? ` (${what})` : ''}`];
  if (r.rowsRejected > 0) parts.push(`${plural(r.rowsRejected, 'row')} set aside as invalid (see the rejects table, import_id ${r.importId})`);
  return parts.join(', ');
}

const LAYOUT: Record<DeliveryLayout, string> = {
  'aws-data-exports': 'AWS Data Exports',
  'aws-cur-manifest': 'AWS Cost and Usage Report',
  'azure-export': 'Azure Cost Management export',
  'oci-focus': 'Oracle FOCUS report, incremental',
  files: 'loose files',
  api: 'API pull',
};

/** "1,234 rows, 31 charge days, 3 sub-accounts, 20.89 EUR" (BilledCost per currency). */
export function describeCoverage(c: Coverage): string {
  const money_ = c.billed_cost.map((m) => `${money(m.amount)} ${m.currency}`).join(' + ');
  return `${plural(c.rows, 'row')}, ${plural(c.charge_days, 'charge day')}, ${plural(c.sub_accounts, 'sub-account')}${money_ ? `, ${money_}` : ''}`;
}

/** What a delivery did, one line for it and one per billing account and period it replaced. */
export function describeDelivery(d: DeliveryResult): string[] {
  const what = [LAYOUT[d.layout], d.layout === 'files' || d.layout === 'oci-focus' || d.layout === 'api' ? '' : d.exportKey, d.ref ? `run ${d.ref}` : '']
    .filter(Boolean)
    .join(', ');
  if (d.status === 'noop') return [`delivery #${d.deliveryId} (${what}): ${d.note ?? 'nothing changed'}`];
  const lines = [
    `delivery #${d.deliveryId} (${what}): ${plural(d.parts.length, 'part')}, ${plural(d.rowsLoaded, 'row')}${d.mode === 'append' ? ', added to what was stored' : ''}`,
  ];
  for (const c of d.changes) {
    if (!c.before) continue;
    lines.push(
      `  billing account ${c.billing_account_id}, ${c.billing_period}: replaces delivery ${c.replaced_deliveries.map((x) => `#${x}`).join(', ')} ` +
        `(${describeCoverage(c.before)}) with ${describeCoverage(c.after)}`,
    );
  }
  return lines;
}

