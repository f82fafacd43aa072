// Decimal strings, as the store gives them ("12.300000", "-0.5"): rounding,
// comparison and display on the digits themselves, never via a JS number.

/** Rounds half away from zero to `decimals` places: ("2.345", 2) → "2.35". */
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

/** "1234567.5" → "1,234,567.50" (rounded half away from zero). */
export function grouped(amount: string, decimals = 2): string {
  const r = roundDecimal(amount, decimals);
  const neg = r.startsWith('-');
  const [i = '0', f] = r.replace(/^-/, '').split('.');
  return `${neg ? '-' : ''}${i.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}${f !== undefined ? `.${f}` : ''}`;
}

const SYMBOLS: Record<string, string> = { USD: '$', EUR: '€', GBP: '£', JPY: '¥', INR: '₹', AUD: 'A$', CAD: 'C$', NZD: 'NZ$', CHF: 'CHF ' };

/** "$12,345.67", "-$12.30"; currencies without a symbol: "1,000.00 SEK". */
export function formatMoney(amount: string, currency: string, decimals = 2): string {
  const g = grouped(amount, decimals);
  const neg = g.startsWith('-');
  const abs = neg ? g.slice(1) : g;
  const sym = SYMBOLS[currency];
  const body = sym !== undefined ? `${sym}${abs}` : `${abs} ${currency}`;
  return `${neg ? '-' : ''}${body}`;
}

/** "12.300000" with 2 decimals → "12.30": truncates or pads to exactly `decimals` (the value already fits). */
export function fixDecimals(amount: string, decimals: number): string {
  const [int, frac = ''] = amount.split('.');
  if (decimals === 0) return int!;
  return `${int}.${frac.padEnd(decimals, '0').slice(0, decimals)}`;
}

/** Exact sum of decimal strings, each rounded to `decimals` first: (["1.10", "-0.25"], 2) → "0.85". */
export function sumDecimals(values: readonly string[], decimals: number): string {
  const scale = 10n ** BigInt(decimals);
  let t = 0n;
  for (const v of values) {
    const r = roundDecimal(v, decimals);
    const [i = '0', f = ''] = r.replace(/^-/, '').split('.');
    const units = BigInt(i) * scale + BigInt(f || '0');
    t += r.startsWith('-') ? -units : units;
  }
  const a = t < 0n ? -t : t;
  const s = decimals > 0 ? `${a / scale}.${(a % scale).toString().padStart(decimals, '0')}` : `${a}`;
  return `${t < 0n ? '-' : ''}${s}`;
}

/** a − b, exactly, at `decimals` places. */
export function subtractDecimal(a: string, b: string, decimals: number): string {
  return sumDecimals([a, b.startsWith('-') ? b.slice(1) : `-${b}`], decimals);
}

/** "0.031611000000" → "0.031611"; "2.000" → "2". */
export function trimDecimal(s: string): string {
  return s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
}

export function isZero(amount: string): boolean {
  return /^[-+]?0*\.?0*$/.test(amount.trim());
}

export function isNegative(amount: string): boolean {
  return amount.trim().startsWith('-') && !isZero(amount);
}

/** Exact comparison of two decimal strings: -1, 0 or 1. */
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

/** Units of 10^-scale: "12.3" at scale 2 → 1230n (no rounding: the scale must hold every digit). */
function units(s: string, scale: number): bigint {
  const neg = s.trim().startsWith('-');
  const [i = '0', f = ''] = s.trim().replace(/^[-+]/, '').split('.');
  const v = BigInt(`${i}${f.padEnd(scale, '0').slice(0, scale)}` || '0');
  return neg ? -v : v;
}

/**
 * The change from `previous` to `current` in % of |previous|, with one
 * decimal, rounded half away from zero: ("110", "100") → "10.0"; null when
 * previous is 0. Exact (no binary float).
 */
export function percentChange(current: string, previous: string): string | null {
  const scale = Math.max((current.split('.')[1] ?? '').length, (previous.split('.')[1] ?? '').length);
  const c = units(current, scale);
  const p = units(previous, scale);
  if (p === 0n) return null;
  const abs = p < 0n ? -p : p;
  // tenths of a percent: (c − p) × 1000 / |p|, rounded half away from zero
  const num = (c - p) * 1000n;
  const neg = num < 0n;
  const q = ((neg ? -num : num) * 2n + abs) / (2n * abs);
  const t = neg ? -q : q;
  const a = t < 0n ? -t : t;
  return `${t < 0n ? '-' : ''}${a / 10n}.${a % 10n}`;
}

/** n / d as a percentage with 2 decimals, exact (counts, not money); "n/a" when d is 0. */
export function percentOf(n: number, d: number): string {
  if (d === 0) return 'n/a';
  const bp = (2n * BigInt(n) * 10000n + BigInt(d)) / (2n * BigInt(d));
  return `${bp / 100n}.${(bp % 100n).toString().padStart(2, '0')}`;
}

/** A config number as an exact decimal string (no exponent): 1e-7 → "0.0000001". */
export function numberString(n: number): string {
  const s = String(n);
  return /e/i.test(s) ? trimDecimal(n.toFixed(20)) : s;
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/**
 * A cell a spreadsheet would run as a formula gets a leading `'` (OWASP CSV
 * injection): text starting with =, +, -, @, tab or CR that is not a number.
 */
export function formulaSafe(cell: string): string {
  return /^[=+\-@\t\r]/.test(cell) && !NUMBER.test(cell) ? `'${cell}` : cell;
}
