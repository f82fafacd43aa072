// Periods are calendar months in UTC, written `YYYY-MM`.

/** The period `n` months after `period` (before, for negative `n`): ("2026-12", 1) → "2027-01". */
export function addMonths(period: string, n: number): string {
  const [y, m] = period.split('-').map(Number) as [number, number];
  const idx = y * 12 + (m - 1) + n;
  return `${Math.floor(idx / 12)}-${String((idx % 12) + 1).padStart(2, '0')}`;
}
