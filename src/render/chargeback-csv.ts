import { stringify } from 'csv-stringify/sync';
import type { ChargebackRow } from '../model/chargeback.ts';
import { formulaSafe } from '../util/decimal.ts';

export type { ChargebackRow };

/** The contract's header, in order. */
export const CHARGEBACK_HEADER = [
  'period', 'team_id', 'team_name', 'cost_center', 'gl_account', 'mode',
  'charge_type', 'service', 'currency', 'amount', 'line_items',
] as const;

/**
 * RFC 4180, UTF-8, CRLF line ends, header row. A cell with a comma, a quote,
 * a CR or an LF is quoted: csv-stringify quotes only cells that hold the
 * record delimiter (CRLF) by itself, so a lone LF in a team or service name
 * would split the row for every reader.
 */
export function renderChargebackCsv(rows: ChargebackRow[]): string {
  return stringify(
    rows.map((r) => CHARGEBACK_HEADER.map((k) => formulaSafe(r[k]))),
    { header: true, columns: [...CHARGEBACK_HEADER], record_delimiter: '\r\n', quoted_match: /[\r\n]/ },
  );
}
