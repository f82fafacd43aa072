import Table from 'cli-table3';

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

/** "1234567.5" → "1,234,567.50": thousands separators on a decimal string, never via a JS number. */
export function money(amount: string | null | undefined, decimals = 2): string {
  if (amount === null || amount === undefined || amount === '') return '-';
  const neg = amount.startsWith('-');
  const [int = '0', frac = ''] = amount.replace(/^[-+]/, '').split('.');
  // Round half away from zero at `decimals` on the digits themselves.
  const digits = `${int}${frac.padEnd(decimals + 1, '0').slice(0, decimals + 1)}`;
  let units = BigInt(digits.slice(0, -1) || '0');
  if (Number(digits.slice(-1)) >= 5) units += 1n;
  const s = units.toString().padStart(decimals + 1, '0');
  const i = s.slice(0, s.length - decimals) || '0';
  const f = decimals > 0 ? `.${s.slice(s.length - decimals)}` : '';
  const grouped = i.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${neg && units !== 0n ? '-' : ''}${grouped}${f}`;
}
