// The totals of every row written: usage aggregated in one pass, plus the extras.
// (Tests read the files back with declared types and compare them to these.)

import type { DuckDBConnection } from '@duckdb/node-api';
import { all } from './sql.ts';

/** Totals of one period and currency, over every FOCUS file written (exact decimal strings, scale 10). */
export interface ExpectedTotal {
  period: string;
  currency: string;
  lineItems: number;
  BilledCost: string;
  EffectiveCost: string;
  ListCost: string;
}

export async function computeTotals(conn: DuckDBConnection): Promise<ExpectedTotal[]> {
  const rows = await all(conn, `
    SELECT mo.period, (SELECT currency FROM p_currency) AS currency, sum(n)::INTEGER AS "lineItems",
      sum(billed)::DECIMAL(38,10)::VARCHAR AS "BilledCost", sum(effective)::DECIMAL(38,10)::VARCHAR AS "EffectiveCost",
      sum(list)::DECIMAL(38,10)::VARCHAR AS "ListCost"
    FROM (SELECT m, n, billed, effective, list FROM agg
          UNION ALL SELECT _m, 1, BilledCost, EffectiveCost, ListCost FROM li_extra) t
    JOIN p_months mo USING (m) GROUP BY ALL ORDER BY mo.period`);
  return rows as unknown as ExpectedTotal[];
}
