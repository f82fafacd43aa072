import type { Register } from './commands.ts';
import { money, table } from './format.ts';

export const registerStatus: Register = (program, run) => {
  program
    .command('status')
    .description('show what is in the store: periods, imports, last runs, % allocated')
    .action(() =>
      run(async (ctx) => {
        const store = await ctx.readDb();
        const periods = await store.all<{ period: string; line_items: string; currencies: string; imports: string }>(
          `SELECT period, count(*)::VARCHAR AS line_items, string_agg(DISTINCT billing_currency, ',') AS currencies,
                  count(DISTINCT import_id)::VARCHAR AS imports
           FROM line_items WHERE superseded_by IS NULL GROUP BY period ORDER BY period`,
        );
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
        const imports = await store.all<{ import_id: number; source: string; file: string; rows_loaded: string; status: string; finished_at: string; note: string | null }>(
          `SELECT import_id, source, file, rows_loaded::VARCHAR AS rows_loaded, status,
                  strftime(finished_at, '%Y-%m-%d %H:%M:%S') AS finished_at, note
           FROM imports ORDER BY import_id DESC LIMIT 15`,
        );
        const status = { db: store.path, schema_version: await store.schemaVersion(), periods, snapshots, runs, imports };
        ctx.print(status, () => {
          ctx.out(`Store ${store.path} (schema v${status.schema_version})`);
          ctx.out('');
          ctx.out(periods.length ? table(['period', 'line items', 'currencies', 'imports'], periods.map((p) => [p.period, p.line_items, p.currencies, p.imports]), [1, 3]) : 'No billing data yet: allot ingest focus FILE');
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
