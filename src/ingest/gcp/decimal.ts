/**
 * Exact decimal strings for money coming from Google APIs. Nothing here goes
 * through a JS number: BigQuery NUMERIC arrives as big.js `Big` (whose
 * toString() may be exponential, "1e-9", so toFixed() is used), STRING
 * columns as text, and catalog prices as int64 `units` plus `nanos`.
 */

const PLAIN = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$/;
const EXPONENT = /^([+-]?)(\d+)(?:\.(\d*))?[eE]([+-]?\d+)$/;

/**
 * A decimal value as a canonical string ("-1.2345678", "0", "12"), or an
 * error message (a string starting with "not "). Accepts decimal text
 * (exponent notation too, converted exactly) and objects with an exact
 * `toFixed()` (big.js). Refuses JS numbers: money must not pass through a float.
 */
export function exactDecimal(value: unknown): { ok: true; value: string } | { ok: false; why: string } {
  let text: string;
  if (typeof value === 'string') text = value.trim();
  else if (value !== null && typeof value === 'object' && typeof (value as { toFixed?: unknown }).toFixed === 'function') {
    text = String((value as { toFixed: () => unknown }).toFixed());
  } else if (typeof value === 'number') {
    return { ok: false, why: `not an exact decimal: got the binary float ${value} (cast the column to STRING or NUMERIC in SQL)` };
  } else {
    return { ok: false, why: `not a decimal: ${JSON.stringify(value) ?? String(value)}` };
  }
  const exp = EXPONENT.exec(text);
  if (exp) text = expandExponent(exp[1]!, exp[2]!, exp[3] ?? '', Number(exp[4]));
  if (!PLAIN.test(text)) return { ok: false, why: `not a decimal: ${JSON.stringify(text)}` };
  return { ok: true, value: canonical(text) };
}

function expandExponent(sign: string, int: string, frac: string, exp: number): string {
  const digits = int + frac;
  const point = int.length + exp;
  if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`;
  if (point >= digits.length) return `${sign}${digits}${'0'.repeat(point - digits.length)}`;
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}

/** "+012.3400" → "12.34", "-0.000" → "0", ".5" → "0.5". */
export function canonical(text: string): string {
  const neg = text.startsWith('-');
  const body = text.replace(/^[+-]/, '');
  const [rawInt = '', rawFrac = ''] = body.split('.');
  const int = rawInt.replace(/^0+(?=\d)/, '') || '0';
  const frac = rawFrac.replace(/0+$/, '');
  const abs = frac ? `${int}.${frac}` : int;
  return neg && /[1-9]/.test(abs) ? `-${abs}` : abs;
}

/**
 * A google.type.Money / catalog price: `units` (int64, as the string the
 * JSON API sends, or a number or Long) plus `nanos` (billionths, same sign),
 * as an exact decimal string: ("0", 31611000) → "0.031611".
 */
export function unitsNanos(units: unknown, nanos: unknown): string {
  const u = String(units ?? '0');
  if (!/^[+-]?\d+$/.test(u)) throw new Error(`units is not an integer: ${JSON.stringify(units)}`);
  const n = nanos === undefined || nanos === null ? 0 : nanos;
  if (typeof n !== 'number' || !Number.isInteger(n) || Math.abs(n) > 999_999_999) {
    throw new Error(`nanos is not an integer in ±999,999,999: ${JSON.stringify(nanos)}`);
  }
  const total = BigInt(u) * 1_000_000_000n + BigInt(n);
  const neg = total < 0n;
  const abs = (neg ? -total : total).toString().padStart(10, '0');
  return canonical(`${neg ? '-' : ''}${abs.slice(0, -9)}.${abs.slice(-9)}`);
}
