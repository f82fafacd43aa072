// Formatting for the value report: decimal strings in, display strings out.
// Never through a JS number: amounts are grouped and rounded on their digits.

const SYMBOLS: Record<string, string> = { USD: '$', EUR: '€', GBP: '£', JPY: '¥', AUD: 'A$', CAD: 'C$', CHF: 'CHF ', INR: '₹' };

/** "1234567.5" → "1,234,567.50" (half away from zero at `decimals`). */
export function grouped(amount: string, decimals = 2): string {
  const neg = amount.startsWith('-');
  const [int = '0', frac = ''] = amount.replace(/^[-+]/, '').split('.');
  const digits = `${int}${frac.padEnd(decimals + 1, '0').slice(0, decimals + 1)}`;
  let units = BigInt(digits.slice(0, -1) || '0');
  if (Number(digits.slice(-1)) >= 5) units += 1n;
  const s = units.toString().padStart(decimals + 1, '0');
  const i = s.slice(0, s.length - decimals) || '0';
  const f = decimals > 0 ? `.${s.slice(s.length - decimals)}` : '';
  return `${neg && units !== 0n ? '-' : ''}${i.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}${f}`;
}

/** "-40312.4" in USD → "-$40,312" (decimals 0) or "-$40,312.40"; unknown currencies → "40,312 SEK". */
export function currencyAmount(amount: string, currency: string, decimals = 2): string {
  const g = grouped(amount, decimals);
  const neg = g.startsWith('-');
  const abs = neg ? g.slice(1) : g;
  const symbol = SYMBOLS[currency];
  const s = symbol === undefined ? `${abs} ${currency}` : `${symbol}${abs}`;
  return neg ? `-${s}` : s;
}

/** "0.031611000000" → "0.031611"; "2.000" → "2". */
export function trimDecimal(s: string): string {
  return s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
}

/** A config number as an exact decimal string (no exponent): 1e-7 → "0.0000001". */
export function numberString(n: number): string {
  const s = String(n);
  if (!/e/i.test(s)) return s;
  return trimDecimal(n.toFixed(20));
}

/** True when a decimal string is below zero. */
export function isNegative(amount: string): boolean {
  return /^-/.test(amount) && /[1-9]/.test(amount);
}

/** Exact comparison of two decimal strings. */
export function compareDecimal(a: string, b: string): number {
  const scale = (s: string) => (s.split('.')[1] ?? '').length;
  const d = Math.max(scale(a), scale(b));
  const units = (s: string) => {
    const neg = s.startsWith('-');
    const [i = '0', f = ''] = s.replace(/^[-+]/, '').split('.');
    const v = BigInt(`${i}${f.padEnd(d, '0')}` || '0');
    return neg ? -v : v;
  };
  const x = units(a);
  const y = units(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** n / d as a percentage with 2 decimals, exact (counts, not money). */
export function percent(n: number, d: number): string {
  if (d === 0) return 'n/a';
  const bp = (2n * BigInt(n) * 10000n + BigInt(d)) / (2n * BigInt(d));
  return `${bp / 100n}.${(bp % 100n).toString().padStart(2, '0')}`;
}

/**
 * Text for a Markdown table cell or heading. The template then HTML-escapes
 * it ({{ }}), which Markdown renders back as the original characters; here
 * only Markdown's own syntax is neutralised, and line breaks become spaces.
 */
export function markdownText(s: string): string {
  return s
    .replace(/[\r\n]+/g, ' ')
    .replace(/([\\|*[\]~])/g, '\\$1')
    // "_" only where it could open or close emphasis: not inside a word such as value_model
    .replace(/(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])/g, '\\_');
}
