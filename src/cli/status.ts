import { tieOutLinesByPeriod, type TieOutLine } from '../allocate/tieout.ts';
import type { Register } from './register.ts';
import { money, table } from './format.ts';

/** "2 tie, 1 differs, 1 no invoice": the tie-out lines of a billing period, counted. */
function tieOutSummary(lines: TieOutLine[] | undefined): string {
  if (!lines?.length) return '-';
  const n = (s: TieOutLine['status']) => lines.filter((l) => l.status === s).length;
  return [
    n('ties') ? `${n('ties')} ${n('ties') === 1 ? 'ties' : 'tie'}` : '',
    n('differs') ? `${n('differs')} ${n('differs') === 1 ? 'differs' : 'differ'}` : '',
    n('no-control') ? `${n('no-control')} no invoice` : '',
  ]
    .filter(Boolean)
    .join(', ');
}

export const registerStatus: Register = (program, run) => {
  program
    .command('status')
    .description('show what is in the store: periods (closed or open, tie-out), deliveries per source, imports, last runs')
    .action(() =>
      run(async (ctx) => {
        const store = await ctx.readDb();
        const periods = await store.all<{ period: string; line_items: string; currencies: string; imports: string }>(
          `SELECT period, count(*)::VARCHAR AS line_items, string_agg(DISTINCT billing_currency, ',') AS currencies,
                  count(DISTINCT import_id)::VARCHAR AS imports
           FROM line_items WHERE superseded_by IS NULL GROUP BY period ORDER BY period`,
        );
        const closes = await store.all<{ period: string; status: string; run_id: number; closed_at: string; tieout: string | null }>(
          `SELECT period, status, run_id, strftime(closed_at, '%Y-%m-%d') AS closed_at, tieout->>'status' AS tieout FROM period_closes ORDER BY period`,
        );
        const tieouts = await tieOutLinesByPeriod(store);
        const snapshots = await store.all<{ period: string; cluster: string; snapshots: string }>(
          `SELECT period, cluster, count(*)::VARCHAR AS snapshots FROM k8s_snapshots WHERE superseded_by IS NULL
           GROUP BY ALL ORDER BY ALL`,
        );
        const runs = await store.all<{ period: string; run_id: number; finished_at: string; total: string; allocated_pct: string }>(
          `WITH latest AS (SELECT period, max(run_id) AS run_id FROM allocation_runs GROUP BY period)
           SELECT l.period, l.run_id, strftime(r.finished_at, '%Y-%m-%d %H:%M:%S') AS finished_at,
                  string_agg(c.total || ' ' || c.currency, ', ') AS total,
                  string_agg(c.pct::VARCHAR || '%', ', ') AS allocated_pct
           FROM latest l JOIN allocation_runs r USING (run_id)
           JOIN (SELECT run_id, currency, sum(amount)::VARCHAR AS total,
                        (100 * sum(abs(amount)) FILTER (WHERE team_id <> 'unallocated') / nullif(sum(abs(amount)), 0))::DECIMAL(6,2) AS pct
                 FROM chargeback_rows GROUP BY ALL) c USING (run_id)
           GROUP BY ALL ORDER BY l.period`,
        );
        // The newest delivery (not a no-op) of each source and export, and when it came.
        const deliveries = await store.all<{ source: string; export_key: string; delivery_id: number; layout: string; mode: string; parts: number; rows: string; status: string; imported_at: string; delivered_at: string | null; ref: string | null }>(
          `SELECT source, export_key, delivery_id, layout, mode, parts, rows_loaded::VARCHAR AS rows, status,
                  strftime(imported_at, '%Y-%m-%d %H:%M') AS imported_at, strftime(delivered_at, '%Y-%m-%d %H:%M') AS delivered_at, delivery_ref AS ref
           FROM deliveries WHERE status <> 'noop'
           QUALIFY row_number() OVER (PARTITION BY source, export_key ORDER BY delivery_id DESC) = 1
           ORDER BY source, export_key`,
        );
        const imports = await store.all<{ import_id: number; source: string; file: string; rows_loaded: string; status: string; finished_at: string; note: string | null }>(
          `SELECT import_id, source, file, rows_loaded::VARCHAR AS rows_loaded, status,
                  strftime(finished_at, '%Y-%m-%d %H:%M:%S') AS finished_at, note
           FROM imports ORDER BY import_id DESC LIMIT 15`,
        );
        const periodRows = [...new Set([...periods.map((p) => p.period), ...closes.map((c) => c.period), ...tieouts.keys()])].sort().map((period) => {
          const p = periods.find((x) => x.period === period);
          const c = closes.find((x) => x.period === period);
          return {
            period,
            line_items: p?.line_items ?? '0',
            currencies: p?.currencies ?? '',
            imports: p?.imports ?? '0',
            close: c ? { status: c.status, run_id: c.run_id, at: c.closed_at, tieout_at_close: c.tieout } : null,
            tieout: (tieouts.get(period) ?? []).map((l) => ({ billing_account_id: l.billing_account_id, currency: l.currency, invoice_id: l.invoice_id, status: l.status, difference: l.difference })),
          };
        });
        const status = { db: store.path, schema_version: await store.schemaVersion(), periods: periodRows, snapshots, runs, deliveries, imports };
        ctx.print(status, () => {
          ctx.out(`Store ${store.path} (schema v${status.schema_version})`);
          ctx.out('');
          ctx.out(
            periodRows.length
              ? table(
                  ['period', 'line items', 'currencies', 'imports', 'finance', 'tie-out (billing period)'],
                  periodRows.map((p) => [
                    p.period,
                    p.line_items,
                    p.currencies,
                    p.imports,
                    p.close?.status === 'closed' ? `closed ${p.close.at} (run #${p.close.run_id})` : p.close ? 'reopened' : 'open',
                    tieOutSummary(tieouts.get(p.period)),
                  ]),
                  [1, 3],
                )
              : 'No billing data yet: allot ingest focus FILE',
          );
          if (deliveries.length) {
            ctx.out('');
            ctx.out('Latest delivery per source and export:');
            ctx.out(
              table(
                ['source', 'export', 'delivery', 'mode', 'parts', 'rows', 'imported (UTC)', 'delivered (UTC)', 'status'],
                deliveries.map((d) => [d.source, d.export_key, `#${d.delivery_id}${d.ref ? ` (${d.ref})` : ''}`, d.mode, String(d.parts), d.rows, d.imported_at, d.delivered_at ?? '-', d.status]),
                [4, 5],
              ),
            );
          }
          if (snapshots.length) {
            ctx.out('');
            ctx.out(table(['period', 'cluster', 'snapshots'], snapshots.map((s) => [s.period, s.cluster, s.snapshots]), [2]));
          }
          ctx.out('');
          ctx.out(runs.length ? table(['period', 'last run', 'finished (UTC)', 'total', 'allocated'], runs.map((r) => [r.period, `#${r.run_id}`, r.finished_at, r.total.split(', ').map((t) => { const [a, c] = t.split(' '); return `${money(a)} ${c}`; }).join(', '), r.allocated_pct]), [3, 4]) : 'No allocation runs yet: allot attribute --period YYYY-MM');
          if (imports.length) {
            ctx.out('');
            ctx.out(table(['import', 'source', 'file', 'rows', 'status', 'finished (UTC)', 'note'], imports.map((i) => [`#${i.import_id}`, i.source, i.file, i.rows_loaded, i.status, i.finished_at, i.note ?? '']), [3]));
          }
        });
      }),
    );
};
