// Display formatting for team reports. Money stays a decimal string from the
// store to the page: these functions work on the digits, never via a JS number.

export { formatMoney, grouped, isNegative, isZero, roundDecimal } from '../../util/decimal.ts';

import { formatMoney, isZero, roundDecimal } from '../../util/decimal.ts';

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

export { periodLabel, periodShort } from '../../util/period.ts';

/** Same rule as the chargeback CSV, so a label pasted from the email reads the same as in the file. */
export { formulaSafe as cellSafe } from '../../util/decimal.ts';

/** Strips control characters (CR, LF, …) that have no place in a one-line header or cell. */
export function oneLine(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
}
