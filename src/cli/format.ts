import Table from 'cli-table3';
import { grouped } from '../util/decimal.ts';

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
