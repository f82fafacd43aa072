import { attribute } from '../../src/allocate/run.ts';
import type { LoadedConfig } from '../../src/config/load.ts';
import type { Store } from '../../src/store/db.ts';

export { config, tempStore } from '../allocate/fixture.ts';

/** A line item of a hand-built month: the team's account, the day, and what kind of charge it is. */
export interface Charge {
  account: string;
  day: number;
  cost: string;
  service?: string;
  resource?: string;
  category?: 'Usage' | 'Purchase' | 'Tax' | 'Credit' | 'Adjustment';
  frequency?: 'Usage-Based' | 'Recurring' | 'One-Time';
  /** The charge period covers the whole month (a monthly fee, tax, a credit), else one day. */
  monthly?: boolean;
  /** Cost Explorer marked the day Estimated. */
  estimated?: boolean;
  currency?: string;
}

let nextLi = 1;

/** Writes the charges straight into the store as one import (ingestion has its own tests). */
export async function addCharges(store: Store, period: string, charges: Charge[]): Promise<void> {
  const importId = Number((await store.one<{ n: string }>(`SELECT nextval('import_id_seq')::VARCHAR AS n`))!.n);
  for (const c of charges) {
    const line = nextLi++;
    const day = `${period}-${String(c.day).padStart(2, '0')}`;
    await store.run(
      `INSERT INTO line_items (li_id, import_id, source_line, period, billing_account_id, billing_period_start, billing_period_end,
         charge_period_start, charge_period_end, billing_currency, billed_cost, effective_cost, list_cost, charge_category, charge_frequency,
         charge_description, sub_account_id, service_name, resource_id, tags, extra, class_key)
       SELECT *, line_item_class_key(sub_account_id, service_name, NULL, NULL, charge_category, resource_id, tags, billing_currency)
       FROM (SELECT $1 AS li_id, $2 AS import_id, $3 AS source_line, $4 AS period, 'payer' AS billing_account_id,
               $5::TIMESTAMP AS billing_period_start, $5::TIMESTAMP + INTERVAL 1 MONTH AS billing_period_end,
               $6::TIMESTAMP AS charge_period_start,
               CASE WHEN $7 THEN $5::TIMESTAMP + INTERVAL 1 MONTH ELSE $6::TIMESTAMP + INTERVAL 1 DAY END AS charge_period_end,
               $8 AS billing_currency, $9::DECIMAL(38,12) AS billed_cost, $9::DECIMAL(38,12) AS effective_cost, $9::DECIMAL(38,12) AS list_cost,
               $10 AS charge_category, $11 AS charge_frequency, $12 AS charge_description, $13 AS sub_account_id, $14 AS service_name,
               $15 AS resource_id, MAP {}::MAP(VARCHAR, VARCHAR) AS tags, $16::JSON AS extra)`,
      [importId * 2 ** 32 + line, importId, line, period, `${period}-01`, day, c.monthly ?? false, c.currency ?? 'USD', c.cost,
        c.category ?? 'Usage', c.frequency ?? (c.category && c.category !== 'Usage' ? 'One-Time' : 'Usage-Based'), `${c.category ?? 'Usage'} charge`,
        c.account, c.service ?? 'Amazon EC2', c.resource ?? `i-${c.account}`, c.estimated ? '{"x_Estimated":"true"}' : '{}'],
    );
  }
}

/** `cost` every day from `from` to `to` (inclusive), or per day by a function. */
export function everyDay(account: string, from: number, to: number, cost: string | ((day: number) => string), extra: Partial<Charge> = {}): Charge[] {
  const out: Charge[] = [];
  for (let d = from; d <= to; d++) out.push({ account, day: d, cost: typeof cost === 'string' ? cost : cost(d), ...extra });
  return out;
}

export async function attributeAt(store: Store, loaded: LoadedConfig, period: string): Promise<number> {
  return (await attribute(store, loaded, period)).runId;
}
