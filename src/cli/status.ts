import type { TieOutLine } from '../allocate/tieout.ts';
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
        const { storeStatus } = await import('../store/status.ts');
        const { tieOutLinesByPeriod } = await import('../allocate/tieout.ts');
        const { periods, closes, snapshots, runs, deliveries, imports } = await storeStatus(store);
        const tieouts = await tieOutLinesByPeriod(store);
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
