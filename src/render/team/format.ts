// Display formatting for team reports. Money stays a decimal string from the
// store to the page: these functions work on the digits, never via a JS number.

const SYMBOLS: Record<string, string> = { USD: '$', EUR: '€', GBP: '£', JPY: '¥', INR: '₹', AUD: 'A$', CAD: 'C$', NZD: 'NZ$', CHF: 'CHF ' };

/** Rounds a decimal string half away from zero to `decimals` places, on the digits. */
export function roundDecimal(amount: string, decimals: number): string {
  const neg = amount.trim().startsWith('-');
  const [int = '0', frac = ''] = amount.trim().replace(/^[-+]/, '').split('.');
  const digits = `${int}${frac.padEnd(decimals + 1, '0').slice(0, decimals + 1)}`;
  let units = BigInt(digits.slice(0, -1) || '0');
  if (Number(digits.slice(-1)) >= 5) units += 1n;
  const s = units.toString().padStart(decimals + 1, '0');
  const i = s.slice(0, s.length - decimals) || '0';
  const f = decimals > 0 ? `.${s.slice(s.length - decimals)}` : '';
  return `${neg && units !== 0n ? '-' : ''}${i}${f}`;
}

/** "1234567.5" → "1,234,567.50". */
export function grouped(amount: string, decimals: number): string {
  const r = roundDecimal(amount, decimals);
  const neg = r.startsWith('-');
  const [i = '0', f] = r.replace(/^-/, '').split('.');
  return `${neg ? '-' : ''}${i.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}${f !== undefined ? `.${f}` : ''}`;
}

/** "$12,345.67", "-$12.30", "1,000.00 SEK". */
export function formatMoney(amount: string, currency: string, decimals: number): string {
  const g = grouped(amount, decimals);
  const neg = g.startsWith('-');
  const abs = g.replace(/^-/, '');
  const sym = SYMBOLS[currency];
  const body = sym !== undefined ? `${sym}${abs}` : `${abs} ${currency}`;
  return `${neg ? '-' : ''}${body}`;
}

/** Like formatMoney, with an explicit sign: "+$500.12", "-$3.00", "±$0.00". */
export function formatSignedMoney(amount: string, currency: string, decimals: number): string {
  const m = formatMoney(amount, currency, decimals);
  if (m.startsWith('-')) return m;
  return isZero(roundDecimal(amount, decimals)) ? `±${m}` : `+${m}`;
}

/** "4.2" → "+4.2%"; null → "new". */
export function formatPercentChange(percent: string | null): string {
  if (percent === null) return 'new';
  if (isZero(percent)) return '±0.0%';
  return `${percent.startsWith('-') ? '' : '+'}${percent}%`;
}

export function isZero(amount: string): boolean {
  return /^[-+]?0*\.?0*$/.test(amount.trim());
}

export function isNegative(amount: string): boolean {
  return amount.trim().startsWith('-') && !isZero(amount);
}

/** "2026-10" → "October 2026" (UTC, English). */
export function periodLabel(period: string): string {
  const [y, m] = period.split('-').map(Number) as [number, number];
  return new Date(Date.UTC(y, m - 1, 1)).toLocaleString('en-US', { month: 'long', year: 'numeric', timeZone: 'UTC' });
}

/** "2026-10" → "Oct 2026". */
export function periodShort(period: string): string {
  const [y, m] = period.split('-').map(Number) as [number, number];
  return new Date(Date.UTC(y, m - 1, 1)).toLocaleString('en-US', { month: 'short', year: 'numeric', timeZone: 'UTC' });
}

/** The period `n` months before `period` (n may be negative). */
export function shiftPeriod(period: string, n: number): string {
  const [y, m] = period.split('-').map(Number) as [number, number];
  const idx = y * 12 + (m - 1) - n;
  return `${Math.floor(idx / 12)}-${String((idx % 12) + 1).padStart(2, '0')}`;
}

/**
 * A table cell a spreadsheet would run as a formula (=, +, -, @, tab, CR and
 * not a number) gets a leading `'`, as in the chargeback CSV, so a label pasted
 * from the email reads the same as in the file finance imports.
 */
export function cellSafe(text: string): string {
  return /^[=+\-@\t\r]/.test(text) && !/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text) ? `'${text}` : text;
}

/** Strips control characters (CR, LF, …) that have no place in a one-line header or cell. */
export function oneLine(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
}
