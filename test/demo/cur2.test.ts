import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CUR2_COLUMNS, generateCur2, type Cur2File } from '../../src/demo/cur2.ts';
import { ingestAwsCurFiles } from '../../src/ingest/aws-cur/ingest.ts';
import { sqlString, type Store } from '../../src/store/db.ts';
import { tempStore } from '../allocate/fixture.ts';

const sha = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex');

describe('the demo organisation as a CUR 2.0 Parquet file', () => {
  let dir: string;
  let gen: Cur2File;
  let store: Store;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'allot-cur2-'));
    gen = await generateCur2(join(dir, 'a', 'cur2.parquet'), { seed: 7, period: '2026-10', rows: 4000, teams: 15, awsAccounts: 6 });
    store = await tempStore();
  });
  afterAll(() => store.close());

  it('has the CUR 2.0 layout: snake_case columns, DOUBLE money, MAP tags and product, exactly the rows asked for', async () => {
    const cols = await store.all<{ name: string; type: string }>(
      `SELECT column_name AS name, column_type AS type FROM (DESCRIBE SELECT * FROM read_parquet(${sqlString(gen.file)}))`,
    );
    expect(cols).toEqual(CUR2_COLUMNS.map(([name, type]) => ({ name, type })));
    expect(cols.find((c) => c.name === 'resource_tags')?.type).toBe('MAP(VARCHAR, VARCHAR)');
    expect(cols.find((c) => c.name === 'line_item_unblended_cost')?.type).toBe('DOUBLE');
    expect(Object.values(gen.types).reduce((a, b) => a + b, 0)).toBe(4000);
    // Every covered line has its negation; every line item type the importer amortises is there.
    expect(gen.types.SavingsPlanNegation).toBe(gen.types.SavingsPlanCoveredUsage);
    for (const t of ['Usage', 'DiscountedUsage', 'SavingsPlanCoveredUsage', 'SavingsPlanRecurringFee', 'RIFee', 'Tax', 'Credit']) expect(gen.types[t]).toBeGreaterThan(0);
    const ids = await store.one<{ n: string; ids: string }>(
      `SELECT count(*)::VARCHAR AS n, count(DISTINCT identity_line_item_id)::VARCHAR AS ids FROM read_parquet(${sqlString(gen.file)})`,
    );
    expect(ids).toEqual({ n: '4000', ids: '4000' });
  });

  it('the same seed writes the same bytes', async () => {
    const again = await generateCur2(join(dir, 'b', 'cur2.parquet'), { seed: 7, period: '2026-10', rows: 4000, teams: 15, awsAccounts: 6 });
    expect(sha(again.file)).toBe(sha(gen.file));
    expect(again.unblended).toBe(gen.unblended);
  });

  it('imports with `ingest aws-cur`: BilledCost adds up to Σ line_item_unblended_cost and EffectiveCost to the amortised total, exactly', async () => {
    const r = await ingestAwsCurFiles(store, [gen.file]);
    expect(r.files).toMatchObject([{ flavour: 'cur2', format: 'parquet', rowsRead: 4000, rowsLoaded: 4000, rowsRejected: 0 }]);
    expect(r.mapping).toMatchObject([{ billingPeriod: '2026-10', currency: 'USD', rows: 4000, ok: true }]);
    const s = (await store.one<{ billed: string; effective: string }>(
      'SELECT sum(billed_cost)::DECIMAL(38,10)::VARCHAR AS billed, sum(effective_cost)::DECIMAL(38,10)::VARCHAR AS effective FROM line_items',
    ))!;
    expect(s).toEqual({ billed: gen.unblended, effective: gen.amortised });
    // The tag MAP's user_team became the team tag the rules read; the payer and accounts are the demo's.
    const t = (await store.one<{ tagged: string; payer: string; accounts: string }>(
      `SELECT count(*) FILTER (WHERE tags['team'] IS NOT NULL)::VARCHAR AS tagged, any_value(billing_account_id) AS payer,
              count(DISTINCT sub_account_id)::VARCHAR AS accounts FROM line_items`,
    ))!;
    expect(Number(t.tagged)).toBeGreaterThan(1000);
    expect(t.payer).toBe(gen.payerAccountId);
    expect(t.accounts).toBe('6');
  });
});
