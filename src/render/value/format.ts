// Formatting for the value report: decimal strings in, display strings out.
// Never through a JS number: amounts are grouped and rounded on their digits.

export { compareDecimal, grouped, isNegative, numberString, trimDecimal } from '../../util/decimal.ts';
import { formatMoney } from '../../util/decimal.ts';

/** "-40312.4" in USD → "-$40,312" (decimals 0) or "-$40,312.40"; unknown currencies → "40,312 SEK". */
export const currencyAmount = (amount: string, currency: string, decimals = 2): string => formatMoney(amount, currency, decimals);


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
