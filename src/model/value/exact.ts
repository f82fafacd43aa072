// Exact decimal arithmetic for the capability split: amounts as BigInt units
// of 10^-12 (the store's DECIMAL(38,12) scale), never a JS number.

const SCALE = 12;
const ONE = 10n ** BigInt(SCALE);

/** "12.5" → 12500000000000n; more than 12 decimals are rounded half away from zero. */
export function toUnits(s: string): bigint {
  const t = s.trim();
  const neg = t.startsWith('-');
  const [i = '0', f = ''] = t.replace(/^[-+]/, '').split('.');
  let units = BigInt(i || '0') * ONE + BigInt((f.slice(0, SCALE) || '').padEnd(SCALE, '0') || '0');
  if (f.length > SCALE && Number(f[SCALE]) >= 5) units += 1n;
  return neg ? -units : units;
}

/** Units → decimal string with 12 decimals. */
export function fromUnits(u: bigint): string {
  const a = u < 0n ? -u : u;
  return `${u < 0n ? '-' : ''}${a / ONE}.${(a % ONE).toString().padStart(SCALE, '0')}`;
}

/** round(a × b ÷ c) in units, half away from zero; c ≠ 0. */
export function mulDiv(a: bigint, b: bigint, c: bigint): bigint {
  const n = a * b;
  const neg = (n < 0n) !== (c < 0n);
  const an = n < 0n ? -n : n;
  const ac = c < 0n ? -c : c;
  const q = (2n * an + ac) / (2n * ac);
  return neg ? -q : q;
}

/** a × b for two unit amounts (both at scale 12), rounded back to scale 12. */
export function mul(a: bigint, b: bigint): bigint {
  return mulDiv(a, b, ONE);
}

/** Units rounded to `decimals` places, as a decimal string ("12.35"). */
export function roundUnits(u: bigint, decimals = 2): string {
  const step = 10n ** BigInt(SCALE - decimals);
  const a = u < 0n ? -u : u;
  const r = (a + step / 2n) / step;
  const scale = 10n ** BigInt(decimals);
  const body = decimals > 0 ? `${r / scale}.${(r % scale).toString().padStart(decimals, '0')}` : `${r}`;
  return `${u < 0n && r !== 0n ? '-' : ''}${body}`;
}

/** A number from the config (at most 6 decimals) as units, exactly. */
export function numberUnits(n: number): bigint {
  return toUnits(n.toFixed(6));
}
