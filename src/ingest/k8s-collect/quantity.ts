/**
 * Exact Kubernetes quantities (`100m`, `1`, `250000n`, `128Mi`, `1Gi`, `1e3`,
 * `1.5`, `500M`) and decimal strings (Prometheus sample values), without a
 * binary float on the way: a value is kept as `c × 10^-s` with a BigInt `c`,
 * summed and compared exactly, and rounded once at the end — cores to 6
 * decimals (micro-cores), bytes to an integer.
 *
 * Grammar (k8s.io/apimachinery/pkg/api/resource):
 *   quantity ::= [+-] number [suffix]
 *   number   ::= digits | digits "." [digits] | "." digits
 *   suffix   ::= Ki Mi Gi Ti Pi Ei | n u m "" k M G T P E | (e|E) [+-] digits
 */

/** An exact decimal: `c × 10^-s` (s ≥ 0). */
export interface Dec {
  readonly c: bigint;
  readonly s: number;
}

export const ZERO: Dec = { c: 0n, s: 0 };

const QUANTITY = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei)|([numkMGTPE]))?$/;
const DECIMAL = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(?:[eE]([+-]?\d+))?$/;

const BINARY: Record<string, bigint> = { Ki: 1n << 10n, Mi: 1n << 20n, Gi: 1n << 30n, Ti: 1n << 40n, Pi: 1n << 50n, Ei: 1n << 60n };
const DECIMAL_SI: Record<string, number> = { n: -9, u: -6, m: -3, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
/** Far beyond any real quantity; keeps BigInt sizes sane on hostile input. */
const MAX_EXPONENT = 64;

function fromParts(sign: string, digits: string, exp10: number, times = 1n): Dec | undefined {
  if (Math.abs(exp10) > MAX_EXPONENT) return undefined;
  const [int, frac = ''] = digits.split('.');
  let c = BigInt(`${int || '0'}${frac}`) * times;
  let s = frac.length - exp10;
  if (s < 0) {
    c *= 10n ** BigInt(-s);
    s = 0;
  }
  return { c: sign === '-' ? -c : c, s };
}

/** A Kubernetes quantity as an exact decimal, or undefined when `text` is not one. */
export function parseQuantity(text: string): Dec | undefined {
  const m = QUANTITY.exec(text);
  if (!m) return undefined;
  const [, sign = '', digits = '', exp, binary, si] = m;
  if (exp !== undefined) return fromParts(sign, digits, Number(exp.slice(1)));
  if (binary !== undefined) return fromParts(sign, digits, 0, BINARY[binary]);
  return fromParts(sign, digits, si !== undefined ? DECIMAL_SI[si]! : 0);
}

/**
 * A plain decimal number (`0.25`, `1.5e+09`, `-3`) as an exact decimal, or
 * undefined for anything else (`NaN`, `+Inf`, `1Gi`, '').
 */
export function parseDecimal(text: string): Dec | undefined {
  const m = DECIMAL.exec(text);
  if (!m) return undefined;
  return fromParts(m[1] ?? '', m[2] ?? '', m[3] === undefined ? 0 : Number(m[3]));
}

function align(a: Dec, b: Dec): [bigint, bigint, number] {
  const s = Math.max(a.s, b.s);
  return [a.c * 10n ** BigInt(s - a.s), b.c * 10n ** BigInt(s - b.s), s];
}

export function addDec(a: Dec, b: Dec): Dec {
  const [x, y, s] = align(a, b);
  return { c: x + y, s };
}

export function maxDec(a: Dec, b: Dec): Dec {
  const [x, y] = align(a, b);
  return x >= y ? a : b;
}

export function isNegative(d: Dec): boolean {
  return d.c < 0n;
}

/** `c / 10^s` rounded to an integer: half up (away from zero for halves), or up (ceiling). */
function toInteger(d: Dec, mode: 'half-up' | 'ceil'): bigint {
  if (d.s === 0) return d.c;
  const div = 10n ** BigInt(d.s);
  const q = d.c / div; // truncates toward zero
  const r = d.c % div;
  if (r === 0n) return q;
  if (mode === 'ceil') return r > 0n ? q + 1n : q;
  const twice = (r < 0n ? -r : r) * 2n;
  if (twice >= div) return r > 0n ? q + 1n : q - 1n;
  return q;
}

/** Micro-cores, rounded half up: `0.0001234565` cores → 123n (`123456n` cores → 123n). */
export function toMicroCores(d: Dec): bigint {
  return toInteger({ c: d.c * 1_000_000n, s: d.s }, 'half-up');
}

/**
 * Cores as a JSON number with at most 6 decimals: the double nearest to the
 * rounded decimal (IEEE division is correctly rounded), which the snapshot
 * store turns back into the same micro-cores exactly.
 */
export function toCores(d: Dec): number {
  return Number(toMicroCores(d)) / 1e6;
}

/**
 * Bytes as an integer. `ceil` is what Kubernetes' `Quantity.Value()` does
 * (`1.5` → 2, `100m` → 1); `half-up` suits averages (Prometheus).
 */
export function toBytes(d: Dec, mode: 'ceil' | 'half-up' = 'ceil'): number {
  const n = toInteger(d, mode);
  if (n > BigInt(Number.MAX_SAFE_INTEGER)) return Number.POSITIVE_INFINITY; // rejected by snapshot validation
  return Number(n);
}

/** The exact decimal as text (`0.000123456`, `134217728`), for messages and tests. */
export function formatDec(d: Dec): string {
  const neg = d.c < 0n;
  const digits = (neg ? -d.c : d.c).toString().padStart(d.s + 1, '0');
  const int = digits.slice(0, digits.length - d.s);
  const frac = digits.slice(digits.length - d.s).replace(/0+$/, '');
  return `${neg ? '-' : ''}${int}${frac ? `.${frac}` : ''}`;
}
