import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig, type LoadedConfig } from '../../src/config/load.ts';
import { Store } from '../../src/store/db.ts';

/** A line item as a test states it: only what the rule under test reads. */
export interface Item {
  cost: string;
  currency?: string;
  account?: string;
  service?: string;
  category?: string;
  resource?: string;
  region?: string;
  tags?: Record<string, string>;
  billed?: string;
  list?: string;
  day?: number;
}

export async function tempStore(): Promise<Store> {
  return Store.open(join(mkdtempSync(join(tmpdir(), 'allot-test-')), 'allot.duckdb'));
}

export function config(yaml: string): LoadedConfig {
  return parseConfig(yaml, 'test.yaml', {});
}

let nextLine = 1;

/** Writes line items straight into the store (ingestion has its own tests). */
export async function addItems(store: Store, period: string, items: Item[], importId = 1): Promise<void> {
  // A later real import must not draw this id from the sequence and find these rows as its own.
  const next = Number((await store.one<{ n: string }>(`SELECT nextval('import_id_seq') AS n`))!.n);
  if (next < importId) await store.run(`SELECT count(nextval('import_id_seq')) FROM range($1)`, [importId - next]);
  for (const it of items) {
    const day = String(it.day ?? 1).padStart(2, '0');
    const line = nextLine++;
    await store.run(
      `INSERT INTO line_items (li_id, import_id, source_line, period, billing_account_id, billing_period_start, billing_period_end,
         charge_period_start, charge_period_end, billing_currency, billed_cost, effective_cost, list_cost, charge_category,
         sub_account_id, service_name, region_id, resource_id, tags, class_key)
       SELECT *, line_item_class_key(sub_account_id, service_name, NULL, region_id, charge_category, resource_id, tags, billing_currency)
       FROM (SELECT $1 AS li_id, $2 AS import_id, $3 AS source_line, $4 AS period, 'payer' AS billing_account_id,
               $5::TIMESTAMP AS billing_period_start, $5::TIMESTAMP + INTERVAL 1 MONTH AS billing_period_end,
               $6::TIMESTAMP AS charge_period_start, $6::TIMESTAMP + INTERVAL 1 HOUR AS charge_period_end,
               $7 AS billing_currency, $8::DECIMAL(38,12) AS billed_cost, $9::DECIMAL(38,12) AS effective_cost, $10::DECIMAL(38,12) AS list_cost,
               $11 AS charge_category, $12 AS sub_account_id, $13 AS service_name, $14 AS region_id, $15 AS resource_id,
               $16::JSON::MAP(VARCHAR, VARCHAR) AS tags)`,
      [importId * 2 ** 32 + line, importId, line, period, `${period}-01`, `${period}-${day}`, it.currency ?? 'USD',
        it.billed ?? it.cost, it.cost, it.list ?? it.cost, it.category ?? 'Usage', it.account ?? null, it.service ?? 'Compute',
        it.region ?? null, it.resource ?? null, JSON.stringify(it.tags ?? {})],
    );
  }
}

export interface Pod { ns: string; cpuReq: number; cpuUse?: number; memReqGiB: number; memUseGiB?: number }

/** One snapshot of a cluster: nodes' capacity and pods, covering `hours`. */
export async function addSnapshot(
  store: Store,
  s: { cluster: string; ts: string; hours?: number; nodes: { cpu: number; memGiB: number; providerId?: string }[]; pods: Pod[]; namespaces?: Record<string, Record<string, string>> },
  importId = 100,
): Promise<void> {
  const window = Math.round((s.hours ?? 1) * 3600);
  await store.run(`INSERT INTO k8s_snapshots VALUES ($1, $2, $3::TIMESTAMP, strftime($3::TIMESTAMP, '%Y-%m'), $4, NULL)`, [importId, s.cluster, s.ts, window]);
  for (const [i, n] of s.nodes.entries()) {
    await store.run(`INSERT INTO k8s_nodes VALUES ($1, $2, $3::TIMESTAMP, $4, $5, 'm5.xlarge', $6::DECIMAL(18,6), $7::BIGINT, MAP {})`,
      [importId, s.cluster, s.ts, `node-${i}`, n.providerId ?? null, String(n.cpu), String(BigInt(Math.round(n.memGiB * 1024)) * 1048576n)]);
  }
  for (const [name, labels] of Object.entries(s.namespaces ?? {})) {
    await store.run(`INSERT INTO k8s_namespaces VALUES ($1, $2, $3::TIMESTAMP, $4, $5::JSON::MAP(VARCHAR, VARCHAR))`, [importId, s.cluster, s.ts, name, JSON.stringify(labels)]);
  }
  for (const [i, p] of s.pods.entries()) {
    const gib = (g: number | undefined) => (g === undefined ? null : String(BigInt(Math.round(g * 1024)) * 1048576n));
    await store.run(`INSERT INTO k8s_pods VALUES ($1, $2, $3::TIMESTAMP, $4, $5, NULL, $6::DECIMAL(18,6), $7::DECIMAL(18,6), $8::BIGINT, $9::BIGINT)`,
      [importId, s.cluster, s.ts, p.ns, `pod-${i}`, String(p.cpuReq), p.cpuUse === undefined ? null : String(p.cpuUse), gib(p.memReqGiB), gib(p.memUseGiB)]);
  }
}

/** The rounded rows of a run as `team/charge_type/service/currency → amount`. */
export async function rows(store: Store, runId: number): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const r of await store.all<{ k: string; amount: string }>(
    `SELECT team_id || '/' || charge_type || '/' || service || '/' || currency AS k, amount::DECIMAL(38,2)::VARCHAR AS amount
     FROM chargeback_rows WHERE run_id = $1 ORDER BY ALL`, [runId])) out[r.k] = r.amount;
  return out;
}
