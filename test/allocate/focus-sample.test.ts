import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attribute } from '../../src/allocate/run.ts';
import { buildChargebackExport } from '../../src/close/close.ts';
import { ingestFocusFiles } from '../../src/ingest/focus/ingest.ts';
import type { Store } from '../../src/store/db.ts';
import { config, tempStore } from './fixture.ts';

// The real multi-vendor FOCUS export from ../shared (absent in a user's clone).
const SAMPLE = fileURLToPath(new URL('../../../shared/samples/focus-multi-provider/focus_sample.csv', import.meta.url));
const present = existsSync(SAMPLE);
if (!present) console.warn(`focus_sample.csv tests skipped (../shared/samples absent: ${SAMPLE})`);

describe.skipIf(!present)('the real focus_sample.csv end to end', () => {
  let store: Store;
  beforeAll(async () => {
    store = await tempStore();
    await ingestFocusFiles(store, [SAMPLE]);
  });
  afterAll(() => store.close());

  // Independent of the importer: DuckDB reads the raw column as text and sums it as DECIMAL.
  async function rawSum(column: string): Promise<string> {
    const row = await store.one<{ s: string }>(
      `SELECT round(sum(CAST(${column} AS DECIMAL(38,12))), 2)::DECIMAL(38,2)::VARCHAR AS s
       FROM read_csv('${SAMPLE}', all_varchar = true, nullstr = 'NULL', header = true)`,
    );
    return row!.s;
  }

  for (const metric of ['EffectiveCost', 'BilledCost', 'ListCost'] as const) {
    it(`the chargeback total of 2024-09 equals Σ ${metric} to the cent`, async () => {
      const cfg = config(`
cost_metric: ${metric}
team_tag_keys: [application, business_unit]
teams:
  - { id: sunbird, name: SunBird, cost_center: CC-1, gl_account: "6100", accounts: ["51738928782"] }
  - { id: analytics, name: Analytics, cost_center: CC-2, gl_account: "6200" }
`);
      const run = await attribute(store, cfg, '2024-09');
      const { manifest } = await buildChargebackExport(store, '2024-09', run.runId);
      expect(manifest.control_totals).toEqual([{ currency: 'USD', amount: await rawSum(metric) }]);
      expect(run.totals[0]!.ok).toBe(true);
      expect(run.lineItems).toBe(1000);
    });
  }
});

if (!present) {
  describe('the real focus_sample.csv end to end', () => {
    it.skip('(../shared/samples absent)', () => undefined);
  });
}
