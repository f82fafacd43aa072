// The chargeback rows of a run: what the CSV prints (src/render/chargeback-csv.ts).
import type { Store } from '../store/db.ts';
import { sqlFolder } from '../store/sql.ts';
import { fixDecimals } from '../util/decimal.ts';

const sql = sqlFolder(new URL('./sql/', import.meta.url));

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
  const rows = await store.all<ChargebackRow & { decimals: number }>(sql('chargeback-rows'), [runId]);
  return rows.map(({ decimals, ...r }) => ({ ...r, amount: fixDecimals(r.amount, decimals) }));
}
