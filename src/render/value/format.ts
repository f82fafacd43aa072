// Formatting for the value report: decimal strings in, display strings out.
// Never through a JS number: amounts are grouped and rounded on their digits.

export { compareDecimal, grouped, isNegative, numberString, trimDecimal } from '../../util/decimal.ts';
import { formatMoney } from '../../util/decimal.ts';

/** "-40312.4" in USD → "-$40,312" (decimals 0) or "-$40,312.40"; unknown currencies → "40,312 SEK". */
export const currencyAmount = (amount: string, currency: string, decimals = 2): string => formatMoney(amount, currency, decimals);

/**
 * Text for a Markdown table cell or line, escaped as Markdown (the Markdown
 * template does no HTML escaping): a backslash before every character
 * Markdown or a GFM table would read as syntax — `|` would end a cell, `*`
 * start emphasis, `<` raw HTML, `&` an entity — so the text reads back as
 * itself. Line breaks become spaces.
 */
export function markdownText(s: string): string {
  return s
    .replace(/[\r\n]+/g, ' ')
    .replace(/([\\`*[\]<>|~])/g, '\\$1')
    // "&" only where it would start an entity ("&amp;", "&#60;"): "Identity & Access" stays as written
    .replace(/&(?=#?[A-Za-z0-9]+;)/g, '\\&')
    // "_" only where it could open or close emphasis: not inside a word such as value_model
    .replace(/(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])/g, '\\_')
    // at the start, what would open a heading, quote, list item or ordered list ("# x", "- x", "1. x")
    .replace(/^(\s*)(>|[#+-](?=\s|$))/, '$1\\$2')
    .replace(/^(\s*\d+)([.)])(?=\s|$)/, '$1\\$2');
}
