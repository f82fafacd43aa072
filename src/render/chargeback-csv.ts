import { stringify } from 'csv-stringify/sync';
import type { Store } from '../store/db.ts';
import { fixDecimals, formulaSafe } from '../util/decimal.ts';

/** The contract's header, in order. */
export const CHARGEBACK_HEADER = [
  'period', 'team_id', 'team_name', 'cost_center', 'gl_account', 'mode',
  'charge_type', 'service', 'currency', 'amount', 'line_items',
] as const;

export interface ChargebackRow {
  period: string;
  team_id: string;
  team_name: string;
  cost_center: string;
  gl_account: string;
  mode: string;
  charge_type: string;
  service: string;
  currency: string;
  /** Exactly the currency's decimals, e.g. "-12.30". */
  amount: string;
  line_items: string;
}

/** The rows of a run, sorted as the contract says: team id, charge type, service (then currency). */
export async function chargebackRows(store: Store, runId: number): Promise<ChargebackRow[]> {
  const rows = await store.all<ChargebackRow & { decimals: number }>(
    `SELECT period, team_id, team_name, cost_center, gl_account, mode, charge_type, service, currency,
            decimals, amount::VARCHAR AS amount, line_items::VARCHAR AS line_items
     FROM chargeback_rows WHERE run_id = $1
     ORDER BY team_id, charge_type, service, currency`,
    [runId],
  );
  return rows.map(({ decimals, ...r }) => ({ ...r, amount: fixDecimals(r.amount, decimals) }));
}

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
